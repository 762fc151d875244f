import { base64url, type CryptoKey, type JWK } from 'jose';
import { ownClaims } from '../claims/own-claim.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { anyValue, arrayOf, nonEmptyString, type OptionSchema, stringList } from '../config/option-schema.js';
import { asciiLowerCase } from '../encoding/ascii-case.js';
import { isObject } from '../encoding/json-object.js';
import { isNumericDate } from '../encoding/numeric-date.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import type { UntrustedJwsHeader } from '../jose/compact-jws.js';
import { type JweDecryptor, jweDecryptor } from '../jose/jwe-decryptor.js';
import { signedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import { checkAlgorithmsServed } from '../keys/algorithms-served.js';
import { DEFAULT_KEY_MANAGEMENT_ALGORITHMS } from '../keys/jwe-algorithms.js';
import { staticDecryptionKeys } from '../keys/static-decryption-keys.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { RESOLVER_KEY_OPTIONS } from '../resolvers/resolver-key-sources.js';
import { whyNotDecryptionKey } from '../secrets/key-usability.js';
import { ambiguousAnswer } from './introspection-response.js';

/** RFC 9701 settings: how to trust a JWT introspection answer. */
export interface JwtIntrospectionOptions {
  /**
   * The authorization server's signing keys, e.g. `remoteJwks({ url: '<its jwks_uri>' })`. Keys still
   * being fetched are waited for within the introspection's `timeout`, whatever the source's own.
   */
  readonly keys: VerificationKeySource | readonly VerificationKeySource[];
  /** This resource server's identifier at the authorization server (usually its `client_id`): the `aud` of answers. */
  readonly audience: string;
  /** Accepted signing algorithms. Default: the asymmetric families. */
  readonly algorithms?: readonly string[] | undefined;
  /**
   * Keys that decrypt encrypted answers (nested JWTs): private keys or shared secrets, as `CryptoKey` or
   * JWK (no `alg` needed). Each is offered for the JWE algorithms it fits, the answer's `kid` choosing
   * among them; a key that could never decrypt (public, marked for signatures, RSA under 2048 bits) is
   * refused at start-up.
   */
  readonly decryptionKeys?: readonly (CryptoKey | JWK)[] | undefined;
}

/** The rules of {@link JwtIntrospectionOptions}, the `jwtResponse` of `introspectionResolver`. */
export const JWT_INTROSPECTION_OPTIONS: OptionSchema<JwtIntrospectionOptions> = {
  keys: RESOLVER_KEY_OPTIONS.keys,
  audience: nonEmptyString,
  algorithms: stringList,
  // CryptoKeys or JWKs: importing them says whether they are usable.
  decryptionKeys: arrayOf(anyValue),
};

/** The media type of RFC 9701 answers. */
export const JWT_INTROSPECTION_MEDIA_TYPE = 'application/token-introspection+jwt';

const DECRYPTION_KEYS_OPTION = 'introspectionResolver.jwtResponse.decryptionKeys';
const DEFAULT_DECRYPTION: ReadonlySet<string> = new Set(DEFAULT_KEY_MANAGEMENT_ALGORITHMS);

/** Turns the body of an RFC 9701 answer into the RFC 7662 object it carries, once it is trusted. */
export interface JwtIntrospectionReader {
  read(body: string, nowMs: number, skewSeconds: number): Promise<Outcome<TrustedIntrospectionJwt>>;
}

/** A trusted RFC 9701 answer: the RFC 7662 object it carries, and the signed JWT itself (decrypted). */
export interface TrustedIntrospectionJwt {
  readonly introspection: Record<string, unknown>;
  /** The verified JWS, for forwarding to an upstream that checks it itself. */
  readonly jwt: string;
  /** The answer's own `exp`, when it has one: it is not to be used after it (RFC 7519 §4.1.4). */
  readonly expiresAt: number | undefined;
}

/**
 * Validates RFC 9701 answers: decrypts a nested JWE when keys are given, verifies the signature with the
 * authorization server's keys, requires `typ` `token-introspection+jwt`, `iss` = one of the issuer's spellings,
 * `aud` = this resource server, an `iat` not in the future, a present `exp` not past and a present `nbf`
 * not in the future (all three numbers, judged with the skew allowance), and no member named twice in
 * one object of the payload, and returns `token_introspection`. A failure means the answer cannot be
 * trusted: the caller fails closed.
 */
export function jwtIntrospectionReader(
  options: JwtIntrospectionOptions,
  issuers: ReadonlySet<string> | undefined,
  maxAnswerBytes: number,
): JwtIntrospectionReader {
  requireOption(
    typeof options === 'object' && options !== null,
    'introspectionResolver.jwtResponse',
    'must be an object',
  );
  requireOption(
    issuers !== undefined,
    'introspectionResolver.issuer',
    'is required with jwtResponse: signed answers must come from a known issuer',
  );
  const trustedIssuers: ReadonlySet<string> = issuers!;
  requireOption(
    typeof options.audience === 'string' && options.audience.length > 0,
    'introspectionResolver.jwtResponse.audience',
    "is required: this resource server's identifier at the authorization server",
  );
  const verifier = signedJwtVerifier(options.keys, options.algorithms, 'introspectionResolver.jwtResponse');
  checkAlgorithmsServed(
    options.algorithms,
    Array.isArray(options.keys) ? options.keys : [options.keys as VerificationKeySource],
    'introspectionResolver.jwtResponse.algorithms',
  );
  const decryptor = answerDecryptor(options.decryptionKeys, maxAnswerBytes);

  async function decrypt(jwe: string, nowMs: number): Promise<string | undefined> {
    const opened = await decryptor?.decrypt(jwe, nowMs);
    if (opened?.ok !== true) return undefined;
    try {
      return decodeUtf8(opened.value.plaintext);
    } catch {
      return undefined;
    }
  }

  return {
    async read(body, nowMs, skewSeconds) {
      let jws = body.trim();
      // The HTTP client bounds the body by `maxResponseBytes` already; a caller of this reader may not.
      if (jws.length > maxAnswerBytes)
        return refusal('introspection_unavailable', 'The introspection answer is too large');
      if (jws.split('.', 6).length === 5) {
        const decrypted = await decrypt(jws, nowMs);
        if (decrypted === undefined)
          return refusal(
            'introspection_unavailable',
            'The encrypted introspection answer could not be decrypted',
          );
        jws = decrypted.trim();
      }
      const verified = await verifier.verify(jws, nowMs, checkIntrospectionType);
      if (!verified.ok)
        return refusal(
          'introspection_unavailable',
          `The signed introspection answer is not trusted: ${verified.failure.description}`,
        );
      // The verifier parsed the claims with JSON.parse, which keeps the last of two members of one name:
      // a payload naming one twice (`active` inside `token_introspection`, or `iss`) means two answers.
      const ambiguous = ambiguousPayload(jws);
      if (ambiguous !== undefined)
        return refusal('introspection_unavailable', `The signed introspection answer ${ambiguous}`);
      // Own members only, as ownClaim reads them: a `token_introspection` (or `iat`, `iss`…) inherited from a
      // polluted Object.prototype is no part of what the server signed, and would be taken as its answer.
      const {
        iss,
        aud: audience,
        iat,
        exp,
        nbf,
        token_introspection: introspection,
      } = ownClaims(verified.value.claims, [
        'iss',
        'aud',
        'iat',
        'exp',
        'nbf',
        'token_introspection',
      ] as const);
      if (typeof iss !== 'string' || !trustedIssuers.has(iss))
        return refusal('introspection_unavailable', 'The signed introspection answer has the wrong issuer');
      if (
        !(audience === options.audience || (Array.isArray(audience) && audience.includes(options.audience)))
      ) {
        return refusal(
          'introspection_unavailable',
          'The signed introspection answer is not meant for this resource server',
        );
      }
      // The server stamps `iat` (and any `exp` and `nbf`) in real time as it answers, in whole seconds:
      // judge them by the real time the answer arrived, not by the request's (possibly injected) clock
      // read before the call was made, with the resolver's skew allowance.
      const arrived = Date.now() / 1000;
      if (!isNumericDate(iat) || iat > arrived + skewSeconds) {
        return refusal('introspection_unavailable', 'The signed introspection answer has no valid "iat"');
      }
      // RFC 7519 §4.1.4 and §4.1.5: an answer past its `exp`, or before its `nbf`, is not to be used.
      if (exp !== undefined && !(isNumericDate(exp) && arrived < exp + skewSeconds)) {
        return refusal('introspection_unavailable', 'The signed introspection answer has expired ("exp")');
      }
      if (nbf !== undefined && !(isNumericDate(nbf) && arrived + skewSeconds >= nbf)) {
        return refusal(
          'introspection_unavailable',
          'The signed introspection answer is not valid yet ("nbf")',
        );
      }
      if (!isObject(introspection))
        return refusal(
          'introspection_unavailable',
          'The signed introspection answer has no "token_introspection"',
        );
      return success({ introspection, jwt: jws, expiresAt: exp as number | undefined });
    },
  };
}

/**
 * Why the JSON payload of a verified compact JWS cannot be read one way only (see
 * {@link ambiguousAnswer}), or `undefined`.
 */
function ambiguousPayload(jws: string): string | undefined {
  let payload: string;
  try {
    payload = decodeUtf8(base64url.decode(jws.slice(jws.indexOf('.') + 1, jws.lastIndexOf('.'))));
  } catch {
    // Verified, hence decoded (as strict UTF-8) once already: not reached.
    return 'has a payload that cannot be decoded';
  }
  return ambiguousAnswer(payload);
}

function checkIntrospectionType(header: UntrustedJwsHeader) {
  // Media types compare in ASCII case only (RFC 6838 §4.2), not by Unicode's case mapping.
  const typ = header.typ === undefined ? undefined : asciiLowerCase(header.typ);
  return typ === 'token-introspection+jwt' || typ === JWT_INTROSPECTION_MEDIA_TYPE
    ? undefined
    : {
        code: 'token_type_invalid' as const,
        description: 'the "typ" header is not "token-introspection+jwt"',
      };
}

/**
 * Decrypts encrypted answers with the configured keys, served as the keys of encrypted access tokens are
 * (`staticDecryptionKeys`): each key offered for the algorithms it fits (a JWK needs no `alg`), the
 * answer's `kid` choosing among them, within the default allow-lists (no PBES2, never `RSA1_5`), and an
 * answer may not inflate beyond the size accepted for the answer itself. `undefined` without keys: an
 * encrypted answer is then refused.
 */
function answerDecryptor(
  keys: readonly (CryptoKey | JWK)[] | undefined,
  maxAnswerBytes: number,
): JweDecryptor | undefined {
  if (keys === undefined || keys.length === 0) return undefined;
  for (const [index, key] of keys.entries()) requireDecryptionKey(key, `${DECRYPTION_KEYS_OPTION}[${index}]`);
  return jweDecryptor(
    [staticDecryptionKeys(keys as readonly CryptoKey[])],
    { maxDecompressedBytes: maxAnswerBytes },
    DECRYPTION_KEYS_OPTION,
    'introspectionResolver.jwtResponse',
  );
}

/**
 * Refuses at start-up a key that could never decrypt an answer: a public key (the server's own public key
 * given in place of its private one is the usual slip), a key marked for signatures, an RSA key under
 * 2048 bits, a key no default JWE algorithm fits, or something that is no key. Found only at the first
 * encrypted answer otherwise, as a 503 for every request. Key material is never repeated.
 */
function requireDecryptionKey(key: unknown, option: string): void {
  if (typeof globalThis.CryptoKey !== 'undefined' && key instanceof globalThis.CryptoKey) {
    requireOption(key.type !== 'public', option, 'is a public key: decrypting needs the private key');
    let served: ReadonlySet<string>;
    try {
      served = staticDecryptionKeys([key as CryptoKey]).keyManagementAlgorithms;
    } catch (error) {
      if (error instanceof RsConfigError) throw new RsConfigError(option, error.problem);
      throw error;
    }
    requireOption(
      [...served].some((alg) => DEFAULT_DECRYPTION.has(alg)),
      option,
      `a ${key.algorithm.name} key cannot decrypt with any supported JWE algorithm`,
    );
    return;
  }
  requireOption(isObject(key) && typeof key.kty === 'string', option, 'must be a CryptoKey or a JWK');
  const problem = whyNotDecryptionKey(key as JWK);
  requireOption(problem === undefined, option, `cannot decrypt: ${problem}`);
}
