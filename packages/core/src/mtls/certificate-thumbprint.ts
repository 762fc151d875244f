import { base64url } from 'jose';
import { isCertificateDer, pemCertificateDer } from './certificate-encoding.js';

/** SHA-256 of a DER certificate: the bytes behind `x5t#S256` (RFC 8705 §3.1). */
export async function certificateDigest(der: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', der as Uint8Array<ArrayBuffer>));
}

/**
 * The DER bytes of a certificate given as DER or PEM, `undefined` when it is not one X.509 certificate.
 */
export function certificateDer(certificate: Uint8Array | string): Uint8Array | undefined {
  const der = typeof certificate === 'string' ? pemCertificateDer(certificate) : certificate;
  return der !== undefined && isCertificateDer(der) ? der : undefined;
}

/**
 * The RFC 8705 `x5t#S256` of a certificate (DER bytes or PEM text): base64url, unpadded, of the SHA-256
 * of its DER encoding. For authorization servers and tests that bind tokens to certificates.
 *
 * @example
 * ```ts
 * const cnf = { 'x5t#S256': await certificateThumbprint(clientCertificatePem) };
 * ```
 */
export async function certificateThumbprint(certificate: Uint8Array | string): Promise<string> {
  const der = certificateDer(certificate);
  if (der === undefined) throw new TypeError('@rs: not a DER or PEM X.509 certificate');
  return base64url.encode(await certificateDigest(der));
}

// The one spelling of a SHA-256 digest in base64url without padding (RFC 8705 §3.1, RFC 7515 §2): 43
// characters, the last carrying the digest's final 4 bits and 2 spare bits that must be zero. Padding,
// set spare bits, the standard alphabet or hex are other strings: a thumbprint is compared as the value
// the authorization server wrote, never as whatever a lenient decoder makes of it.
const THUMBPRINT = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The digest a `cnf` `x5t#S256` value stands for, `undefined` when it is not the canonical base64url of a
 * SHA-256 digest: unpadded, and its last character's spare bits zero. Two values name the same digest
 * only when they are the same string.
 */
export function thumbprintDigest(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !THUMBPRINT.test(value)) return undefined;
  try {
    const digest = base64url.decode(value);
    // The pattern admits canonical text only; re-encoding checks it against the decoder all the same.
    return base64url.encode(digest) === value ? digest : undefined;
  } catch {
    return undefined;
  }
}
