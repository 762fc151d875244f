import { CompactEncrypt, CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  envSecretStore,
  jwtResolver,
  type ResourceServer,
  type SecretsProvider,
  secretsProvider,
} from '../../src/index.js';
import { directorySecretStore, pkcs12SecretStore } from '../../src/node/index.js';
import {
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  NOW_MS,
  NOW_S,
} from '../helpers.js';
import { fixture, fixtureHex, fixturePrivateKey, tempDirectory } from '../secrets-setup.js';

// The whole chain a deployment uses: stores reading the committed fixtures, a provider, secret IDs, and a
// resource server answering requests, with tokens shaped like Access Management's client-based ones.

const AM_ISSUER = 'https://openam.example.com:8443/openam/oauth2';
const VERIFICATION_ID = 'stateless.access.token.verification.key';
const DECRYPTION_ID = 'stateless.access.token.decryption.key';
const ENV_HMAC_ID = 'am.hmac.signing.key';
const DIRECTORY_HMAC_ID = 'am.hmac.directory.key';
const TRACKING_ID = 'f20f4099-5248-4399-a7f0-2d54d4020099-108676';

/** An AM client-based access token's claims (../shared/standards.md), valid at {@link NOW_S}. */
function amClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: '(usr!demo)',
    cts: 'OAUTH2_STATELESS_GRANT',
    auditTrackingId: TRACKING_ID,
    iss: AM_ISSUER,
    tokenName: 'access_token',
    token_type: 'Bearer',
    authGrantId: '1LUgI8zcDWqcfEnnLdZDnNqA2wc',
    aud: 'myClient',
    nbf: NOW_S,
    grant_type: 'client_credentials',
    scope: ['read', 'write'],
    auth_time: NOW_S,
    realm: '/',
    exp: NOW_S + 3600,
    iat: NOW_S,
    expires_in: 3600,
    jti: 'FTQT6eZkDhm6PHEaSthORoTLB80',
    ...extra,
  };
}

const REFRESH = { tokenName: 'refresh_token' };
const encode = (claims: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(claims));

/** Signs as AM does: `{typ: "JWT", zip: "NONE", alg}`, no `kid`. */
function amSigned(claims: Record<string, unknown>, alg: string, key: Parameters<CompactSign['sign']>[0]) {
  return new CompactSign(encode(claims)).setProtectedHeader({ typ: 'JWT', zip: 'NONE', alg }).sign(key);
}

/** Encrypts as AM does with encryption on: `dir` + A128CBC-HS256, unsigned claims. */
function amEncrypted(claims: Record<string, unknown>, key: Uint8Array) {
  return new CompactEncrypt(encode(claims))
    .setProtectedHeader({ alg: 'dir', enc: 'A128CBC-HS256' })
    .encrypt(key);
}

// The keytool HMAC secret (32 bytes) in the environment, base64 as SystemAndEnvSecretStore wants it; a
// different secret in a directory, plain bytes as FileSystemSecretStore reads them.
const envHmac = fixtureHex('keytool-hmac-key.hex');
const directoryHmac = new TextEncoder().encode('a-directory-secret-of-at-least-32-bytes!');
// The AES-256 secret key of `keytool -genseckey`, dumped by make-keystores.sh: Identity Gateway's decryption key.
const aesKey = fixtureHex('keytool-encryption-key.hex');

let secrets: SecretsProvider;

beforeAll(() => {
  const env = envSecretStore({
    env: {
      // Identity Gateway's keystore password, "password", base64.
      KEYSTORE_SECRET_ID: 'cGFzc3dvcmQ=',
      AM_HMAC_SIGNING_KEY: Buffer.from(envHmac).toString('base64'),
    },
  });
  secrets = secretsProvider({
    stores: [
      env,
      pkcs12SecretStore({
        file: fixture('keytool.p12'),
        storePassword: { store: env, secretId: 'keystore.secret.id' },
        mappings: [
          { secretId: VERIFICATION_ID, aliases: ['rsa-key'] },
          { secretId: DECRYPTION_ID, aliases: ['encryption-key'] },
        ],
      }),
      directorySecretStore({
        directory: tempDirectory({ [DIRECTORY_HMAC_ID]: directoryHmac }),
        format: 'plain',
      }),
    ],
  });
});

function server(ids: { verificationSecretId: string } | { decryptionSecretId: string }): ResourceServer {
  const resolver = jwtResolver({
    issuer: AM_ISSUER,
    audience: 'myClient',
    secrets,
    ...ids,
    profile: 'access-management',
  });
  return createResourceServer({ resolver, clock: () => NOW_MS });
}

type Mint = (claims: Record<string, unknown>) => Promise<string>;

const CASES: [string, () => ResourceServer, Mint][] = [
  [
    'HS256 with the shared secret of envSecretStore',
    () => server({ verificationSecretId: ENV_HMAC_ID }),
    (claims) => amSigned(claims, 'HS256', envHmac),
  ],
  [
    'HS256 with the shared secret of directorySecretStore',
    () => server({ verificationSecretId: DIRECTORY_HMAC_ID }),
    (claims) => amSigned(claims, 'HS256', directoryHmac),
  ],
  [
    'RS256 without kid, verified with the keytool -genkeypair entry',
    () => server({ verificationSecretId: VERIFICATION_ID }),
    // The same key exported by openssl: signing does not depend on the reader under test.
    (claims) => amSigned(claims, 'RS256', fixturePrivateKey('keytool-rsa-key.key.pem')),
  ],
  [
    'dir + A128CBC-HS256 with the keytool -genseckey AES-256 entry',
    () => server({ decryptionSecretId: DECRYPTION_ID }),
    (claims) => amEncrypted(claims, aesKey),
  ],
];

describe('AM-shaped tokens through a secrets provider and a resource server', () => {
  it.each(CASES)('accepts %s, with the tracking IDs in the context', async (_name, rs, mint) => {
    const context = expectAccepted(await rs().authenticate(bearerRequest(await mint(amClaims()))));
    expect(context).toMatchObject({
      source: 'jwt',
      subject: '(usr!demo)',
      issuer: AM_ISSUER,
      audience: ['myClient'],
      trackingId: TRACKING_ID,
      tokenId: 'FTQT6eZkDhm6PHEaSthORoTLB80',
      claims: { cts: 'OAUTH2_STATELESS_GRANT', realm: '/', tokenName: 'access_token' },
    });
    expect([...context.scopes]).toEqual(['read', 'write']);
  });

  it.each(CASES)('refuses the same claims as a refresh token: %s', async (_name, rs, mint) => {
    const result = await rs().authenticate(bearerRequest(await mint(amClaims(REFRESH))));
    expectRejected(result, 'token_type_invalid', 401);
  });

  it('refuses a token signed with the other shared secret', async () => {
    const token = await amSigned(amClaims(), 'HS256', directoryHmac);
    const result = await server({ verificationSecretId: ENV_HMAC_ID }).authenticate(bearerRequest(token));
    expectRejected(result, 'signature_invalid', 401);
  });
});

describe('start-up validation with a secrets provider', () => {
  it('refuses both secret IDs', () => {
    expectConfigError(
      () =>
        jwtResolver({
          acceptAnyAudience: true,
          issuer: AM_ISSUER,
          secrets,
          verificationSecretId: VERIFICATION_ID,
          decryptionSecretId: DECRYPTION_ID,
        }),
      'jwtResolver.verificationSecretId',
    );
  });

  it('refuses a secret ID no store knows, naming the option and the ID', () => {
    const error = expectConfigError(
      () =>
        jwtResolver({
          acceptAnyAudience: true,
          issuer: AM_ISSUER,
          secrets,
          verificationSecretId: 'no.such.secret',
        }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('no.such.secret');
  });

  it('refuses the AES key for verification, naming the option', () => {
    expectConfigError(
      () =>
        jwtResolver({
          acceptAnyAudience: true,
          issuer: AM_ISSUER,
          secrets,
          verificationSecretId: DECRYPTION_ID,
        }),
      'jwtResolver.verificationSecretId',
    );
  });
});
