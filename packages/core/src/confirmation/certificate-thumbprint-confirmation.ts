import { timingSafeEqual } from '../crypto/constant-time.js';
import { type Failure, failure } from '../errors/failure.js';
import { thumbprintDigest } from '../mtls/certificate-thumbprint.js';
import type { ConfirmationMethod } from './confirmation-method.js';

const ALIAS = 'x5t#SHA256';
const NOT_A_THUMBPRINT = 'The access token "cnf" certificate thumbprint is not an unpadded base64url SHA-256';

/**
 * `x5t#S256` (RFC 8705 §3.1): the token is bound to the client certificate whose SHA-256 thumbprint
 * this is; the request must present that certificate (on its TLS connection, or in a trusted proxy's
 * header). The thumbprint must be spelt exactly as RFC 8705 writes it, unpadded base64url with no spare
 * bits set, and the digests are compared in constant time.
 */
export const certificateThumbprintConfirmation: ConfirmationMethod = {
  member: 'x5t#S256',
  // Some servers spell the member `x5t#SHA256`; both spellings mean the same thumbprint.
  aliases: [ALIAS],
  provesWithDpop: false,
  satisfies: ['mtls', 'any'],
  async verify(x5t, { token, presented, settings }) {
    const twoCertificates = sameCertificate(x5t, token.confirmation?.[ALIAS]);
    if (twoCertificates !== undefined) return twoCertificates;
    const expected = thumbprintDigest(x5t);
    if (expected === undefined) {
      return failure('claim_invalid', NOT_A_THUMBPRINT);
    }
    const certificate = await settings.certificates.digest(presented.request);
    if (!certificate.ok) return certificate.failure;
    if (certificate.value === undefined) {
      return failure(
        'certificate_missing',
        'The access token is bound to a client certificate and none was presented',
      );
    }
    return timingSafeEqual(certificate.value, expected)
      ? undefined
      : failure('certificate_mismatch', 'The client certificate is not the one the access token is bound to');
  },
};

/**
 * Every certificate member present is checked: `x5t#SHA256` beside `x5t#S256` must name the same
 * certificate, or a token could carry one thumbprint for each of two readers and pass whichever one looks.
 */
function sameCertificate(x5t: unknown, alias: unknown): Failure | undefined {
  if (alias === undefined || alias === x5t) return undefined;
  const [first, second] = [thumbprintDigest(x5t), thumbprintDigest(alias)];
  if (first === undefined || second === undefined) return failure('claim_invalid', NOT_A_THUMBPRINT);
  return timingSafeEqual(first, second)
    ? undefined
    : failure('claim_invalid', 'The access token "cnf" names two different certificates');
}
