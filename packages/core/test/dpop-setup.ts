import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { type RsRequest, tokenHash } from '../src/index.js';
import { API_URL, NOW_S } from './helpers.js';

/** A client's DPoP key pair, with its public JWK and RFC 7638 thumbprint (the `cnf.jkt` to bind to). */
export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
  readonly jkt: string;
}

/** A fresh, real DPoP key pair. */
export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

/** What a test proof says; every member has a valid default for a GET of {@link API_URL} at {@link NOW_S}. */
export interface ProofClaims {
  // Wider than valid values, so tests can send wrong types.
  readonly htm?: unknown;
  readonly htu?: unknown;
  readonly iat?: unknown;
  readonly jti?: unknown;
  /** Default: the `ath` of `token`; `null` leaves it out. */
  readonly ath?: string | null;
  readonly nonce?: string;
  readonly [claim: string]: unknown;
}

/** How to build the proof: the token for `ath`, header members to add or replace, another signing key. */
export interface ProofOptions {
  readonly token?: string;
  readonly header?: Readonly<Record<string, unknown>>;
  readonly signWith?: CryptoKey;
}

const encoder = new TextEncoder();

/** Signs a real DPoP proof with `key` (or `options.signWith`). */
export async function makeProof(
  key: DpopKey,
  claims: ProofClaims = {},
  options: ProofOptions = {},
): Promise<string> {
  const { ath, ...rest } = claims;
  const payload: Record<string, unknown> = {
    jti: crypto.randomUUID(),
    htm: 'GET',
    htu: API_URL,
    iat: NOW_S,
    ...rest,
  };
  if (ath !== null) {
    payload.ath = ath ?? (options.token === undefined ? undefined : await tokenHash(options.token));
  }
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...options.header })
    .sign(options.signWith ?? key.privateKey);
}

/** A GET of {@link API_URL} with `Authorization: DPoP <token>` and the given `DPoP` header(s). */
export function dpopRequest(
  token: string,
  proof: string | readonly string[] | undefined,
  overrides: Partial<RsRequest> = {},
): RsRequest {
  const headers: Record<string, string | readonly string[]> = { authorization: `DPoP ${token}` };
  if (proof !== undefined) headers.dpop = proof;
  return { method: 'GET', url: API_URL, headers, ...overrides };
}
