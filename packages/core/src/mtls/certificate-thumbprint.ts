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

const THUMBPRINT = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * The digest a `cnf` `x5t#S256` value stands for, `undefined` when it is not a base64url SHA-256. One
 * trailing `=` is tolerated: RFC 8705 forbids padding, but it changes nothing about the digest.
 */
export function thumbprintDigest(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !THUMBPRINT.test(value)) return undefined;
  try {
    return base64url.decode(value.replace('=', ''));
  } catch {
    return undefined;
  }
}
