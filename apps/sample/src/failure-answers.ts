import type { FailureResponses } from '@rs/core';

/**
 * What `/mtls-header` answers when the proxy's certificate header is missing or unreadable: 418 and a
 * line of text, as ForgeRock Identity Gateway's `mtls-header` route does with the `failureHandler` of its
 * CertificateThumbprintFilter. Every other refusal keeps its RFC 6750 answer, and the 418 keeps the
 * `WWW-Authenticate` challenge.
 */
export const MTLS_HEADER_FAILURES: FailureResponses = {
  byCode: {
    certificate_missing: { status: 418, body: 'Failure in CertificateThumbprintFilter' },
    certificate_header_invalid: { status: 418, body: 'Failure in CertificateThumbprintFilter' },
  },
};
