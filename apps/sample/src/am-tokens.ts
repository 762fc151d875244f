import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactEncrypt, CompactSign } from 'jose';
import { AM_CLIENT_ID, AM_ISSUER, DEMO_KEYS, SECRET_IDS } from './am-demo-keys.js';

/** How the token is protected, as Access Management does with "Encrypt Client-Based Tokens" off or on. */
export type AmTokenKind = 'signed' | 'encrypted';

export interface AmTokenOptions {
  readonly kind: AmTokenKind;
  readonly scopes: readonly string[];
  /** `refresh_token` mints what AM issues as a client-based refresh token: the API must refuse it. */
  readonly tokenName?: 'access_token' | 'refresh_token';
  readonly subject?: string;
  readonly lifetimeSeconds?: number;
  /** Seconds since the epoch. Default: now. */
  readonly now?: number;
}

/**
 * Mints a token shaped like an Access Management client-based access token (the claim set and headers
 * of ../shared/standards.md), standing in for the authorization server, which oidc-provider cannot imitate:
 * `signed` is RS256 with header `{typ: "JWT", zip: "NONE", alg}` and no `kid`; `encrypted` is `dir` +
 * A128CBC-HS256 around the plain claims, as AM encrypts without signing. Reads the demo keys directly, not
 * through @rs/core, so that minting does not depend on the code that checks the tokens.
 */
export async function mintAmToken(options: AmTokenOptions): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(amClaims(options)));
  if (options.kind === 'signed') {
    return new CompactSign(payload)
      .setProtectedHeader({ typ: 'JWT', zip: 'NONE', alg: 'RS256' })
      .sign(createPrivateKey(readFileSync(DEMO_KEYS.signingKeyPem)));
  }
  return new CompactEncrypt(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A128CBC-HS256' })
    .encrypt(sharedAesKey());
}

function amClaims(options: AmTokenOptions): Record<string, unknown> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const lifetime = options.lifetimeSeconds ?? 3600;
  return {
    sub: options.subject ?? '(usr!demo)',
    cts: 'OAUTH2_STATELESS_GRANT',
    // AM's shape: a UUID and a counter; it ties the API's audit log to the authorization server's.
    auditTrackingId: `${randomUUID()}-${randomBytes(3).readUIntBE(0, 3)}`,
    iss: AM_ISSUER,
    tokenName: options.tokenName ?? 'access_token',
    token_type: 'Bearer',
    authGrantId: randomId(),
    aud: AM_CLIENT_ID,
    nbf: now,
    grant_type: 'client_credentials',
    scope: [...options.scopes],
    auth_time: now,
    realm: '/',
    exp: now + lifetime,
    iat: now,
    expires_in: lifetime,
    jti: randomId(),
  };
}

// The key file the API's directorySecretStore reads: AM and the API share this secret.
function sharedAesKey(): Uint8Array {
  const base64 = readFileSync(join(DEMO_KEYS.secretsDirectory, SECRET_IDS.decryption), 'utf8');
  return new Uint8Array(Buffer.from(base64.trim(), 'base64'));
}

function randomId(): string {
  return randomBytes(20).toString('base64url');
}
