import { decodeStrictBase64 } from '../encoding/base64.js';
import { isCertificateDer, pemCertificateDer } from './certificate-encoding.js';
import { xfccCertificate } from './envoy-xfcc.js';

/**
 * How a TLS-terminating proxy encodes the client certificate in its header:
 *
 * - `pem`: PEM on one line (WSO2's `x-wso2-mtls-cert`) or folded over several;
 * - `url-encoded-pem`: nginx `$ssl_client_escaped_cert`, AWS ALB `X-Amzn-Mtls-Clientcert(-Leaf)`;
 *   percent-decoding only, so the raw `+`, `=` and `/` ALB leaves stay what they are;
 * - `base64-der`: Azure `X-ARR-ClientCert`, HAProxy, Traefik v3 `X-Forwarded-Tls-Client-Cert` (a
 *   comma-joined chain, leaf first: the first is used);
 * - `base64-pem`: base64 of the PEM text, as ForgeRock Identity Gateway's `CertificateThumbprintFilter` reads it;
 * - `rfc9440`: `Client-Cert: :<base64 DER>:`, a structured-field byte sequence;
 * - `envoy-xfcc`: `x-forwarded-client-cert` with `Cert="<URL-encoded PEM>"` and/or `Hash=<hex SHA-256>`;
 * - `auto` (default): recognizes each of the above by its shape, except Envoy's `Hash=` without `Cert=`:
 *   a hash is what a certificate-bound token already carries (`x5t#S256`), so anyone holding a stolen
 *   token can write it. It is accepted only with `envoy-xfcc` configured explicitly, for a proxy known to
 *   replace the header (`SANITIZE_SET`).
 */
export type CertificateHeaderFormat =
  | 'auto'
  | 'pem'
  | 'url-encoded-pem'
  | 'base64-der'
  | 'base64-pem'
  | 'rfc9440'
  | 'envoy-xfcc';

/** Every {@link CertificateHeaderFormat}. */
export const CERTIFICATE_HEADER_FORMATS: readonly CertificateHeaderFormat[] = [
  'auto',
  'pem',
  'url-encoded-pem',
  'base64-der',
  'base64-pem',
  'rfc9440',
  'envoy-xfcc',
];

/** A client certificate read from a header: its DER bytes, the SHA-256 the proxy computed, or both. */
export interface PresentedCertificate {
  /** The certificate's DER bytes, when the header carried the certificate itself. */
  readonly der: Uint8Array | undefined;
  /** Envoy's `Hash=`, when given; with `der`, the two must agree. */
  readonly digest: Uint8Array | undefined;
}

const RFC9440_BYTES = /^:([A-Za-z0-9+/]+={0,2}):(?:;.*)?$/s;
const XFCC_KEY = /(?:^|[;,])\s*(?:by|hash|cert|chain|subject|uri|dns)=/i;
const PEM_START = /^-----BEGIN /;

/**
 * Decodes a client-certificate header value in `format`. `undefined` when the value is not one X.509
 * certificate in that format: the caller refuses the request, it never guesses.
 *
 * @example
 * ```ts
 * parseClientCertHeader(':MIIB…:', 'rfc9440'); // { der: Uint8Array(…), digest: undefined }
 * ```
 */
export function parseClientCertHeader(
  value: string,
  format: CertificateHeaderFormat = 'auto',
): PresentedCertificate | undefined {
  const text = value.trim();
  switch (format === 'auto' ? detectFormat(text) : format) {
    case 'pem':
      return certificate(pemCertificateDer(text));
    case 'url-encoded-pem': {
      const pem = percentDecode(text);
      return pem === undefined ? undefined : certificate(pemCertificateDer(pem));
    }
    case 'base64-der':
      return certificate(decodeStrictBase64(firstListMember(text)));
    case 'base64-pem': {
      const bytes = decodeStrictBase64(text);
      return bytes === undefined ? undefined : certificate(pemCertificateDer(latin1(bytes)));
    }
    case 'rfc9440': {
      const match = RFC9440_BYTES.exec(text);
      return match === null ? undefined : certificate(decodeStrictBase64(match[1]!));
    }
    case 'envoy-xfcc': {
      const presented = xfcc(text);
      return format === 'auto' && presented?.der === undefined ? undefined : presented;
    }
    default:
      return undefined;
  }
}

/**
 * Whether a header value is several field lines joined by commas, as Fetch `Headers` and API Gateway join
 * a repeated header: a client's own copy beside the proxy's must be refused, as the Node adapters refuse
 * two field lines. No single certificate in these formats holds a comma, except a `base64-der` chain
 * (Traefik joins it with a bare `,`; a runtime joins field lines with `, `), and Envoy's quoted values,
 * whose elements are counted when the value is parsed.
 *
 * @example
 * ```ts
 * isJoinedHeaderValue('MIIB…, MIIC…', 'base64-der'); // true
 * isJoinedHeaderValue('MIIB…,MIIC…', 'base64-der'); // false: a chain, leaf first
 * ```
 */
export function isJoinedHeaderValue(value: string, format: CertificateHeaderFormat = 'auto'): boolean {
  if (!value.includes(',')) return false;
  const text = value.trim();
  switch (format === 'auto' ? detectFormat(text) : format) {
    case 'envoy-xfcc':
      return false;
    case 'base64-der':
      return /,\s/.test(text);
    default:
      return true;
  }
}

function detectFormat(text: string): CertificateHeaderFormat | undefined {
  if (text.startsWith(':')) return 'rfc9440';
  if (PEM_START.test(text) || /^%2D/i.test(text) || text.startsWith('-----BEGIN%20')) {
    // Base64 never holds "%", so a percent sign means the PEM was URL-encoded.
    return text.includes('%') ? 'url-encoded-pem' : 'pem';
  }
  if (XFCC_KEY.test(text)) return 'envoy-xfcc';
  const bytes = decodeStrictBase64(firstListMember(text));
  if (bytes === undefined) return undefined;
  return PEM_START.test(latin1(bytes.subarray(0, 11))) ? 'base64-pem' : 'base64-der';
}

function xfcc(text: string): PresentedCertificate | undefined {
  const fields = xfccCertificate(text);
  if (fields === undefined) return undefined;
  if (fields.cert === undefined) return { der: undefined, digest: fields.hash };
  const pem = percentDecode(fields.cert);
  const der = pem === undefined ? undefined : pemCertificateDer(pem);
  return der !== undefined && isCertificateDer(der) ? { der, digest: fields.hash } : undefined;
}

function certificate(der: Uint8Array | undefined): PresentedCertificate | undefined {
  return der !== undefined && isCertificateDer(der) ? { der, digest: undefined } : undefined;
}

/** Percent-decoding (RFC 3986 §2.1) and nothing else: unlike form decoding, `+` stays `+`. */
function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function firstListMember(text: string): string {
  const comma = text.indexOf(',');
  return comma === -1 ? text : text.slice(0, comma).trim();
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
