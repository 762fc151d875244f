import { RsConfigError, requireOption } from '../config/config-error.js';
import { parseJsonObject } from '../encoding/json-object.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import {
  ASYMMETRIC_JWS_ALGORITHMS,
  SUPPORTED_JWS_ALGORITHMS,
  SYMMETRIC_JWS_ALGORITHMS,
} from '../keys/algorithms.js';
import { requireVerificationKeySources } from '../keys/key-source-purpose.js';
import {
  type KeySelector,
  MAX_KEYS_TRIED,
  type VerificationKeySource,
} from '../keys/verification-key-source.js';
import {
  type CompactJws,
  checkJwsSignature,
  type JwsSignatureCheck,
  parseCompactJws,
  type SignatureCheck,
  type UntrustedJwsHeader,
} from './compact-jws.js';
import { runtimeSignatureCheck } from './runtime-signature-check.js';

/** A JWS whose signature checked out with a configured key, and its JSON payload. */
export interface VerifiedJwt {
  readonly header: UntrustedJwsHeader;
  readonly claims: Record<string, unknown>;
  /** The configured key whose signature checked out. */
  readonly key: CryptoKey;
}

/**
 * How signatures are computed. `'auto'` (the default): with `node:crypto` on Node, with jose (WebCrypto)
 * elsewhere; both accept and refuse exactly the same tokens. `'portable'`: with jose everywhere.
 */
export type SignatureVerifierChoice = 'auto' | 'portable';

/**
 * Verifies compact JWS objects with configured keys: the header's `alg` must be allowed, keys come only
 * from the sources (never from the token), each fitting key is tried. Used for access tokens and for
 * signed introspection answers alike; what the claims must say is the caller's business.
 *
 * Both methods answer synchronously when they can (the Node signature path, keys already imported), so
 * that a request waits for a promise only where something really is pending.
 */
export interface SignedJwtVerifier {
  /**
   * `checkHeader` runs before any key is looked up, to refuse early (e.g. a wrong `typ`).
   * `alphabetChecked` says the caller already matched the token against the compact JWS alphabet
   * (see {@link parseCompactJws}).
   */
  verify(
    token: string,
    now: number,
    checkHeader?: (header: UntrustedJwsHeader) => Failure | undefined,
    alphabetChecked?: boolean,
  ): Outcome<VerifiedJwt> | Promise<Outcome<VerifiedJwt>>;
  /**
   * Whether the sources still offer `key` for a token with this header: false once the key set no
   * longer holds it (rotated out, or the set was fetched anew), so that a remembered verification ends.
   */
  trusts(selector: KeySelector, key: CryptoKey, now: number): boolean | Promise<boolean>;
}

/** The keys the sources offer for one header, or why there are none. */
type Candidates = Outcome<readonly CryptoKey[]>;

/**
 * Builds a {@link SignedJwtVerifier}, validating the key sources and the algorithm allow-list at
 * start-up. Default algorithms: the asymmetric families, plus HMAC only when a source holds secrets.
 */
export function signedJwtVerifier(
  keys: VerificationKeySource | readonly VerificationKeySource[],
  configuredAlgorithms: readonly string[] | undefined,
  option: string,
  signatureVerifier: SignatureVerifierChoice = 'auto',
): SignedJwtVerifier {
  const sources = Array.isArray(keys) ? keys : [keys as VerificationKeySource];
  requireOption(sources.length > 0, `${option}.keys`, 'at least one key source is required');
  for (const source of sources) {
    requireOption(
      typeof source?.keysFor === 'function',
      `${option}.keys`,
      'each entry must be a key source such as remoteJwks(…)',
    );
  }
  // Decryption keys verify nothing: every signed token (or signed answer) would be refused.
  requireVerificationKeySources(sources, `${option}.keys`);
  requireOption(
    signatureVerifier === 'auto' || signatureVerifier === 'portable',
    `${option}.signatureVerifier`,
    'must be "auto" or "portable"',
  );
  const checkSignature: JwsSignatureCheck =
    signatureVerifier === 'portable' ? checkJwsSignature : (runtimeSignatureCheck() ?? checkJwsSignature);
  const algorithms = allowedAlgorithms(
    configuredAlgorithms,
    sources.some((source) => source.symmetric),
    option,
  );

  /** The candidates every source has at hand, or `undefined` when one must be waited for. */
  function candidatesAtHand(selector: KeySelector, now: number): Candidates | undefined {
    if (sources.length === 1) return sources[0]!.keysAtHand?.(selector, now);
    const answers: Candidates[] = [];
    for (const source of sources) {
      const found = source.keysAtHand?.(selector, now);
      if (found === undefined) return undefined;
      answers.push(found);
    }
    return merged(answers);
  }

  /**
   * The keys offered by the sources that have them at hand while another must be waited for, or
   * `undefined` when none has a key at hand.
   */
  function someCandidatesAtHand(selector: KeySelector, now: number): readonly CryptoKey[] | undefined {
    const candidates: CryptoKey[] = [];
    for (const source of sources) {
      const found = source.keysAtHand?.(selector, now);
      if (found?.ok === true) candidates.push(...found.value);
    }
    return candidates.length > 0 ? candidates : undefined;
  }

  // Every source is asked at once: a hanging one costs one timeout, not one per source before it.
  async function candidatesFor(selector: KeySelector, now: number): Promise<Candidates> {
    return merged(await Promise.all(sources.map((source) => source.keysFor(selector, now))));
  }

  /**
   * With several sources of which one must be waited for (a set due a refresh, or one whose server is
   * down and due a retry), the keys the others have at hand are tried first: a token they verify does not
   * wait for a refresh it does not need. Only a signature none of them verifies waits for every source,
   * and is then tried against keys not tried yet, as many as the cap on keys tried per token leaves; any
   * other verdict (a payload that is no JSON object) stands as it would have.
   */
  function verifyAtHandFirst(
    jws: CompactJws,
    atHand: readonly CryptoKey[],
    now: number,
  ): Promise<Outcome<VerifiedJwt>> {
    return Promise.resolve(verifyWith(jws, atHand, 0)).then((early) => {
      if (early.ok || early.failure.code !== 'signature_invalid') return early;
      const tried = atHand.slice(0, MAX_KEYS_TRIED);
      return candidatesFor(jws.header, now).then((found) => {
        const untried = found.ok ? found.value.filter((key) => !tried.includes(key)) : [];
        const left = untried.slice(0, MAX_KEYS_TRIED - tried.length);
        return left.length === 0 ? early : verifyWith(jws, left, 0);
      });
    });
  }

  /** Tries the best few candidates, from the `first`-th on; asynchronous only for a pending check. */
  function verifyWith(
    jws: CompactJws,
    candidates: readonly CryptoKey[],
    first: number,
  ): Outcome<VerifiedJwt> | Promise<Outcome<VerifiedJwt>> {
    // The sources rank their keys best first; a token, above all one without `kid`, that none of the
    // first few verifies is refused, so a forged token cannot make the server try every key of a set.
    const tried = Math.min(candidates.length, MAX_KEYS_TRIED);
    for (let i = first; i < tried; i++) {
      const key = candidates[i]!;
      const check = checkSignature(jws, key);
      if (check instanceof Promise) {
        return check.then((settled) => verdict(jws, key, settled) ?? verifyWith(jws, candidates, i + 1));
      }
      const decided = verdict(jws, key, check);
      if (decided !== undefined) return decided;
    }
    return refusal('signature_invalid', 'The JWT signature is invalid');
  }

  function verifyFound(
    jws: CompactJws,
    found: Candidates,
  ): Outcome<VerifiedJwt> | Promise<Outcome<VerifiedJwt>> {
    if (!found.ok) return found;
    if (found.value.length === 0) return refusal('unknown_key', 'No key of the issuer matches the JWT');
    return verifyWith(jws, found.value, 0);
  }

  return {
    verify(token, now, checkHeader, alphabetChecked = false) {
      const parsed = parseCompactJws(token, alphabetChecked);
      if (!parsed.ok) return parsed;
      const jws = parsed.value;
      const header = jws.header;
      if (!algorithms.has(header.alg))
        return refusal('algorithm_not_allowed', 'The JWT signing algorithm is not allowed');
      const headerProblem = checkHeader?.(header);
      if (headerProblem !== undefined) return { ok: false, failure: headerProblem };
      // The header is its own key selector (`alg`, `kid`): decoded once per distinct header.
      const atHand = candidatesAtHand(header, now);
      if (atHand !== undefined) return verifyFound(jws, atHand);
      const someAtHand = sources.length > 1 ? someCandidatesAtHand(header, now) : undefined;
      if (someAtHand !== undefined) return verifyAtHandFirst(jws, someAtHand, now);
      return candidatesFor(header, now).then((found) => verifyFound(jws, found));
    },

    trusts(selector, key, now) {
      const atHand = candidatesAtHand(selector, now);
      if (atHand !== undefined) return atHand.ok && atHand.value.includes(key);
      return trustedBySome(selector, key, now);
    },
  };

  async function trustedBySome(selector: KeySelector, key: CryptoKey, now: number): Promise<boolean> {
    // A source holding the key at hand answers for it without waiting for the others.
    if (someCandidatesAtHand(selector, now)?.includes(key) === true) return true;
    const answers = await Promise.all(sources.map((source) => source.keysFor(selector, now)));
    return answers.some((found) => found.ok && found.value.includes(key));
  }
}

/**
 * The sources' answers as one list, in the sources' order. A failure (keys unavailable) only counts
 * when no source offered a key.
 */
function merged(answers: readonly Candidates[]): Candidates {
  let candidates: readonly CryptoKey[] = [];
  let unavailable: Failure | undefined;
  for (const found of answers) {
    if (!found.ok) unavailable ??= found.failure;
    else if (candidates.length === 0) candidates = found.value;
    else candidates = [...candidates, ...found.value];
  }
  if (candidates.length === 0 && unavailable !== undefined) return { ok: false, failure: unavailable };
  return success(candidates);
}

/** The outcome of one key's check: `undefined` when the signature did not match (try the next key). */
function verdict(jws: CompactJws, key: CryptoKey, check: SignatureCheck): Outcome<VerifiedJwt> | undefined {
  if (check.valid) {
    const claims = parseJsonObject(check.payload);
    return claims === undefined
      ? refusal('token_malformed', 'The JWT payload is not a JSON object')
      : success({ header: jws.header, claims, key });
  }
  if (check.failure !== undefined) return { ok: false, failure: check.failure };
  return undefined;
}

function allowedAlgorithms(
  configured: readonly string[] | undefined,
  symmetric: boolean,
  option: string,
): ReadonlySet<string> {
  if (configured === undefined) {
    return new Set<string>([...ASYMMETRIC_JWS_ALGORITHMS, ...(symmetric ? SYMMETRIC_JWS_ALGORITHMS : [])]);
  }
  requireOption(
    Array.isArray(configured) && configured.length > 0,
    `${option}.algorithms`,
    'must be a non-empty array',
  );
  for (const alg of configured) {
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
      throw new RsConfigError(`${option}.algorithms`, '"none" is never accepted');
    }
    requireOption(
      SUPPORTED_JWS_ALGORITHMS.has(alg),
      `${option}.algorithms`,
      `"${alg}" is not a supported JWS algorithm`,
    );
    requireOption(
      symmetric || !alg.startsWith('HS'),
      `${option}.algorithms`,
      `"${alg}" needs a shared secret among the keys (sharedSecret(…) or an "oct" key)`,
    );
  }
  return new Set(configured);
}
