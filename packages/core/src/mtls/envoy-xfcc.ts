import { hexBytes } from '../encoding/hex.js';
/**
 * Envoy's `x-forwarded-client-cert` (XFCC): elements separated by `,`, each a `;`-separated list of
 * `key=value` pairs whose values may be double-quoted (`Subject="CN=a,O=b"`) with `\"` escapes.
 *
 * Only a header with exactly one element is used. Each proxy that forwards with `APPEND_FORWARD` adds an
 * element, and the ones before the trusted proxy's may come from the client itself, so several elements
 * are ambiguous; the proxy that terminates the client's TLS should use `SANITIZE_SET`.
 */

/** One element: lower-case key → every value given for it (`URI` and `DNS` may repeat). */
export type XfccElement = ReadonlyMap<string, readonly string[]>;

/** The parsed elements, or `undefined` when the value does not follow the grammar. */
export function parseXfcc(value: string): XfccElement[] | undefined {
  const elements: XfccElement[] = [];
  let pairs = new Map<string, string[]>();
  let at = 0;
  for (;;) {
    const pair = readPair(value, at);
    if (pair === undefined) return undefined;
    if (pair.key !== undefined) {
      const values = pairs.get(pair.key);
      if (values === undefined) pairs.set(pair.key, [pair.value]);
      else values.push(pair.value);
    }
    at = pair.end;
    if (at >= value.length) break;
    if (value[at] === ',') {
      elements.push(pairs);
      pairs = new Map();
    }
    at++;
  }
  elements.push(pairs);
  return elements;
}

// A key is a token (RFC 9110 §5.6.2); Envoy writes By, Hash, Cert, Chain, Subject, URI and DNS.
const KEY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The fields Envoy writes quoted, and the characters that may not stand unescaped inside them. `Cert` and
 * `Chain` are URL-encoded PEM: no `,`, `;` or `\\` at all. `Subject` is an RFC 2253 name, which escapes
 * `;` inside its values (`\\;`); its `,` separate its parts. Envoy writes `By`, `URI` and `DNS` as they
 * are, never quoted, so a quote there (a subject alternative name holding one) is refused.
 */
const QUOTED_FIELDS: ReadonlyMap<string, QuotedField> = new Map([
  ['cert', { unescaped: ',;', escapes: false }],
  ['chain', { unescaped: ',;', escapes: false }],
  ['subject', { unescaped: ';', escapes: true }],
]);

interface QuotedField {
  /** Characters that may not stand unescaped in the value. */
  readonly unescaped: string;
  /** Whether the value may hold `\\` escapes at all. */
  readonly escapes: boolean;
}

interface Pair {
  /** Lower case; `undefined` for an empty pair (`a=1;;b=2`). */
  readonly key: string | undefined;
  readonly value: string;
  /** Where the `;` or `,` after the pair is, or the value's length. */
  readonly end: number;
}

/**
 * Reads the pair that starts at `start`. Strict on purpose: a quote opens a value only right after its
 * `=`, and a closing quote must be followed by `;`, `,` or the end. With a proxy that appends its element
 * to one the client sent (`APPEND_FORWARD`, or a proxy that keeps the client's header line), a lenient
 * reader let the client's unbalanced quote swallow the proxy's element, so that the whole header read as
 * one element naming a certificate of the client's choosing.
 */
function readPair(value: string, start: number): Pair | undefined {
  let at = start;
  while (at < value.length && value[at] !== '=' && value[at] !== ';' && value[at] !== ',') at++;
  const key = value.slice(start, at).trim();
  if (at >= value.length || value[at] !== '=') {
    // Only an empty pair may go without "=".
    return key === '' ? { key: undefined, value: '', end: at } : undefined;
  }
  if (!KEY.test(key)) return undefined;
  const name = key.toLowerCase();
  at = skipSpaces(value, at + 1);
  if (value[at] === '"') {
    // Envoy quotes three fields only, and what is in them has a grammar of its own, which a span of
    // another element (`,By=…;Hash=…;URI=…`, swallowed by a quote the client left open) does not follow.
    const quoted = QUOTED_FIELDS.get(name);
    if (quoted === undefined) return undefined;
    let text = '';
    for (at++; at < value.length && value[at] !== '"'; at++) {
      const escaped = value[at] === '\\';
      if (escaped && !quoted.escapes) return undefined;
      if (escaped) at++;
      if (at >= value.length) return undefined;
      if (!escaped && quoted.unescaped.includes(value[at]!)) return undefined;
      text += value[at];
    }
    if (at >= value.length) return undefined;
    const end = skipSpaces(value, at + 1);
    if (end < value.length && value[end] !== ';' && value[end] !== ',') return undefined;
    return { key: name, value: text, end };
  }
  const valueStart = at;
  while (at < value.length && value[at] !== ';' && value[at] !== ',') {
    // A quote or an escape outside quotes is not Envoy's writing.
    if (value[at] === '"' || value[at] === '\\') return undefined;
    at++;
  }
  return { key: name, value: value.slice(valueStart, at).trim(), end: at };
}

function skipSpaces(value: string, start: number): number {
  let at = start;
  while (value[at] === ' ' || value[at] === '\t') at++;
  return at;
}

/** What one XFCC header says about the client certificate: the URL-encoded PEM, its SHA-256, or both. */
export interface XfccCertificate {
  readonly cert: string | undefined;
  /** `Hash=`: SHA-256 of the DER certificate, as bytes. */
  readonly hash: Uint8Array | undefined;
}

const HEX_SHA256 = /^[0-9A-Fa-f]{64}$/;

/** The certificate fields of a one-element XFCC header, or `undefined` when it has none usable. */
export function xfccCertificate(value: string): XfccCertificate | undefined {
  const elements = parseXfcc(value);
  if (elements === undefined || elements.length !== 1) return undefined;
  const element = elements[0]!;
  const certs = element.get('cert');
  const hashes = element.get('hash');
  if ((certs?.length ?? 0) > 1 || (hashes?.length ?? 0) > 1) return undefined;
  const hex = hashes?.[0];
  if (hex !== undefined && !HEX_SHA256.test(hex)) return undefined;
  const hash = hex === undefined ? undefined : hexBytes(hex);
  const cert = certs?.[0];
  return cert === undefined && hash === undefined ? undefined : { cert, hash };
}
