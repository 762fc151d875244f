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
  let token = '';
  let quoted = false;

  const endPair = (): boolean => {
    const pair = token.trim();
    token = '';
    if (pair === '') return true;
    const equals = pair.indexOf('=');
    if (equals <= 0) return false;
    const key = pair.slice(0, equals).trim().toLowerCase();
    const values = pairs.get(key);
    if (values === undefined) pairs.set(key, [pair.slice(equals + 1).trim()]);
    else values.push(pair.slice(equals + 1).trim());
    return true;
  };

  for (let i = 0; i < value.length; i++) {
    const character = value[i]!;
    if (quoted) {
      if (character === '\\' && i + 1 < value.length) token += value[++i];
      else if (character === '"') quoted = false;
      else token += character;
    } else if (character === '"') {
      quoted = true;
    } else if (character === ';') {
      if (!endPair()) return undefined;
    } else if (character === ',') {
      if (!endPair()) return undefined;
      elements.push(pairs);
      pairs = new Map();
    } else {
      token += character;
    }
  }
  if (quoted || !endPair()) return undefined;
  elements.push(pairs);
  return elements;
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

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
