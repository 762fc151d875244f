// Shared by the differential tests in test/jose/: one token, two signature paths (jose's portable one
// and the node:crypto one), and the verdict each gives.
import type { JSONWebKeySet } from 'jose';
import { expect } from 'vitest';
import { checkJwsSignature, parseCompactJws, type SignatureCheck } from '../src/jose/compact-jws.js';
import { nodeSignatureCheck } from '../src/jose/node-signature-check.js';
import { runtimeSignatureCheck } from '../src/jose/runtime-signature-check.js';
import { type SignatureVerifierChoice, signedJwtVerifier } from '../src/jose/signed-jwt-verifier.js';
import { ASYMMETRIC_JWS_ALGORITHMS, SYMMETRIC_JWS_ALGORITHMS } from '../src/keys/algorithms.js';
import { staticJwks } from '../src/keys/static-jwks.js';
import { NOW_MS } from './helpers.js';

/** Every algorithm either path can verify. */
export const ALL_ALGORITHMS = [...ASYMMETRIC_JWS_ALGORITHMS, ...SYMMETRIC_JWS_ALGORITHMS];

/** What a path concluded about a token: the claims, or the failure's code and description. */
export type Verdict =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly code: string; readonly description: string };

/** The description given when the signature checked out but the payload is no claim set. */
export const SIGNED_BUT_NOT_CLAIMS = 'The JWT payload is not a JSON object';

/** Whether the verdict says a configured key's signature checked out. */
export function signatureVerified(verdict: Verdict): boolean {
  return verdict.ok || verdict.description === SIGNED_BUT_NOT_CLAIMS;
}

/** The Node path must exist where these tests run, or they would compare jose with itself. */
export function requireNodePath(): void {
  expect(nodeSignatureCheck, 'the node:crypto path is available on Node').toBeTypeOf('function');
  expect(runtimeSignatureCheck(), "the node:crypto path is what 'auto' uses").toBe(nodeSignatureCheck);
}

/**
 * Both paths' verdicts on `token` with the keys of `jwks`, through the whole verifier (key selection,
 * header checks, signature, payload), with the default algorithms unless told. `undefined` when staticJwks refuses the set outright (both paths
 * share that refusal: it happens before either runs).
 */
export async function bothVerdicts(
  token: string,
  jwks: JSONWebKeySet,
  algorithms?: readonly string[],
): Promise<{ node: Verdict; portable: Verdict } | undefined> {
  const verdictOf = async (choice: SignatureVerifierChoice): Promise<Verdict | undefined> => {
    let verifier: ReturnType<typeof signedJwtVerifier>;
    try {
      verifier = signedJwtVerifier(staticJwks(jwks), algorithms, 'test', choice);
    } catch {
      return undefined;
    }
    const outcome = await verifier.verify(token, NOW_MS);
    return outcome.ok
      ? { ok: true, claims: outcome.value.claims }
      : { ok: false, code: outcome.failure.code, description: outcome.failure.description };
  };
  const node = await verdictOf('auto');
  const portable = await verdictOf('portable');
  if (node === undefined || portable === undefined) {
    expect(node, 'both paths refuse the key set alike').toEqual(portable);
    return undefined;
  }
  return { node, portable };
}

/** Asserts both paths agree on `token`, and returns their verdict. */
export async function agreedVerdict(
  token: string,
  jwks: JSONWebKeySet,
  label = token.slice(0, 40),
  algorithms?: readonly string[],
): Promise<Verdict | undefined> {
  const verdicts = await bothVerdicts(token, jwks, algorithms);
  if (verdicts === undefined) return undefined;
  expect(verdicts.node, label).toEqual(verdicts.portable);
  return verdicts.node;
}

/** Both paths' checks of one token with one given key, below key selection (the seam itself). */
export async function seamChecks(
  token: string,
  key: CryptoKey,
): Promise<{ node: SignatureCheck; portable: SignatureCheck } | undefined> {
  const parsed = parseCompactJws(token);
  if (!parsed.ok) return undefined;
  const node = await nodeSignatureCheck!(parsed.value, key);
  const portable = await checkJwsSignature(parsed.value, key);
  return { node, portable };
}
