import { checkJsonMemberNames } from './json-duplicate-members.js';
import { decodeUtf8 } from './utf8.js';

/**
 * What {@link parseBoundedJson} read: the value, with whether some object names a member twice; or why
 * there is none (`invalid`: not JSON; `too-deep`: nested deeper than allowed).
 */
export type BoundedJson =
  | {
      readonly ok: true;
      /** The parsed value. */
      readonly value: unknown;
      /** Whether some object in it names a member twice. */
      readonly duplicateMember: boolean;
    }
  | {
      readonly ok: false;
      /** `invalid`: not JSON; `too-deep`: nested deeper than allowed. */
      readonly problem: 'invalid' | 'too-deep';
    };

/**
 * How deep a JWK set or authorization server metadata may nest: both are a few levels deep (a set, its
 * `keys`, a key, its `x5c`), so this is far beyond any real document and far below a costly one.
 */
export const MAX_DOCUMENT_DEPTH = 32;

const INVALID: BoundedJson = Object.freeze({ ok: false, problem: 'invalid' });
const TOO_DEEP: BoundedJson = Object.freeze({ ok: false, problem: 'too-deep' });

/**
 * Parses a JSON document an authorization server sent (an introspection answer, a JWK set, metadata),
 * refusing objects and arrays nested deeper than `maxDepth` before `JSON.parse` runs: it would build a
 * document of any depth first, and 16 MiB of `[` is eight million nested arrays, seconds of CPU and
 * hundreds of megabytes, before a check of the parsed value could refuse it. One linear scan, which also
 * tells whether an object names a member twice (the caller decides what that means).
 */
export function parseBoundedJson(text: string, maxDepth: number): BoundedJson {
  const names = checkJsonMemberNames(text, maxDepth);
  if (names === 'too-deep') return TOO_DEEP;
  try {
    return { ok: true, value: JSON.parse(text), duplicateMember: names === 'duplicate' };
  } catch {
    return INVALID;
  }
}

/** What {@link parseBoundedJsonDocument} read: as {@link BoundedJson}, or bytes that are not UTF-8. */
export type BoundedJsonDocument = BoundedJson | { readonly ok: false; readonly problem: 'not-utf8' };

const NOT_UTF8: BoundedJsonDocument = Object.freeze({ ok: false, problem: 'not-utf8' });

/**
 * {@link parseBoundedJson} of a document's bytes, read as UTF-8 strictly (RFC 8259 §8.1), never repaired:
 * a lenient decoder would put U+FFFD for each malformed sequence, and a `kid`, an issuer or an endpoint
 * URL the server never wrote would be read.
 */
export function parseBoundedJsonDocument(body: Uint8Array, maxDepth: number): BoundedJsonDocument {
  let text: string;
  try {
    text = decodeUtf8(body);
  } catch {
    return NOT_UTF8;
  }
  return parseBoundedJson(text, maxDepth);
}
