import { decodeStrictBase64 } from '../encoding/base64.js';
import { type DerElement, readDerElement } from '../encoding/der-element.js';

/**
 * The encodings a client certificate travels in (DER, base64, PEM) and a structural check that bytes are
 * one X.509 certificate. Nothing here validates a chain: RFC 8705 §3 binds the token to the certificate
 * itself, so only its exact DER bytes matter.
 */

/** Larger than any real client certificate, small enough that a hostile value costs little. */
export const MAX_CERTIFICATE_BYTES = 16_384;

// The first certificate block: the leaf, when a proxy sends a chain. The body class excludes "-", so the
// match ends at the first END line and cannot backtrack.
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----/;
const WHITESPACE = /\s+/g;

/**
 * The DER bytes of the first `CERTIFICATE` block of PEM text, multi-line or folded onto one line (WSO2's
 * load balancer, proxies that turn newlines into spaces or tabs).
 */
export function pemCertificateDer(text: string): Uint8Array | undefined {
  const match = PEM_CERTIFICATE.exec(text);
  if (match === null) return undefined;
  return decodeStrictBase64(match[1]!.replace(WHITESPACE, ''));
}

/**
 * Whether `der` is exactly one DER `Certificate` (RFC 5280 §4.1): a SEQUENCE of tbsCertificate
 * (SEQUENCE, starting with the version tag or the serial number), signatureAlgorithm (SEQUENCE) and
 * signatureValue (BIT STRING), with definite minimal lengths and nothing after it. Enough to refuse
 * garbage, a key, or two certificates glued together, without an ASN.1 library.
 */
export function isCertificateDer(der: Uint8Array): boolean {
  if (der.length < 16 || der.length > MAX_CERTIFICATE_BYTES) return false;
  const certificate = readTlv(der, 0, der.length);
  if (certificate?.tag !== 0x30 || certificate.end !== der.length) return false;
  const tbs = readTlv(der, certificate.start, certificate.end);
  if (tbs?.tag !== 0x30 || tbs.start >= tbs.end) return false;
  const first = der[tbs.start];
  if (first !== 0xa0 && first !== 0x02) return false;
  const algorithm = readTlv(der, tbs.end, certificate.end);
  if (algorithm?.tag !== 0x30) return false;
  const signature = readTlv(der, algorithm.end, certificate.end);
  return signature?.tag === 0x03 && signature.end === certificate.end;
}

/** One element of a certificate, in strict DER: minimal lengths of at most 3 bytes (16 MiB). */
function readTlv(bytes: Uint8Array, offset: number, limit: number): DerElement | undefined {
  const element = readDerElement(bytes, offset, limit);
  return element?.minimalLength && element.start - offset <= 5 ? element : undefined;
}
