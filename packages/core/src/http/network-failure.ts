import { shownUrl } from '../config/shown-url.js';
import { errorChain } from './error-chain.js';

// The verification codes of a certificate chain that no authority this process trusts signed (OpenSSL's
// X509_V_ERR_* names, as Node reports them): what an authorization server behind a private CA gets.
const UNTRUSTED_ISSUER_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
// The other codes of a certificate the client refused: out of date, revoked, misused, or naming other hosts.
const REFUSED_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
]);
const WRONG_NAME_CODES: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
// A code is a constant's name (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, `UND_ERR_SOCKET`), never the server's
// text: the message of a TLS name mismatch, for one, lists the names of the server's certificate.
const ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
// `fetch` wraps the socket's error once ("fetch failed"); a wrapper of the user's may add a level or two.
const MAX_CAUSE_DEPTH = 4;

/**
 * The message of an exchange that failed without a complete answer (no connection, a refused
 * certificate, a broken message): the URL as shown ({@link shownUrl}), and why, by the error's code when
 * it has one. An operator told only that the server "could not be reached"
 * looks for a network fault; a certificate the client refused says so, and one that no trusted
 * authority signed (a private CA) says how to trust it: `tls.ca` of `undiciHttpClient` replaces the trusted
 * authorities, `NODE_EXTRA_CA_CERTS` among them, which the runtime's `fetch` and an `undiciHttpClient`
 * without `ca` trust beside its own. Only the code is shown, never the error's text.
 *
 * @example
 * ```ts
 * networkFailureMessage('https://as.example.com/jwks', expiredCertificateError);
 * // 'https://as.example.com/jwks could not be reached: its TLS certificate was refused (CERT_HAS_EXPIRED)'
 * ```
 */
export function networkFailureMessage(url: string, error: unknown): string {
  const unreachable = `${shownUrl(url)} could not be reached`;
  const code = errorCode(error);
  if (code === undefined) return unreachable;
  if (UNTRUSTED_ISSUER_CODES.has(code)) {
    return (
      `${unreachable}: its TLS certificate is not signed by an authority this process trusts (${code}); ` +
      'for a private CA, add its certificate to undiciHttpClient({ tls: { ca } }), or to NODE_EXTRA_CA_CERTS ' +
      'for a client given no ca'
    );
  }
  if (WRONG_NAME_CODES.has(code)) return `${unreachable}: its TLS certificate is not for this host (${code})`;
  if (REFUSED_CERTIFICATE_CODES.has(code)) return `${unreachable}: its TLS certificate was refused (${code})`;
  return `${unreachable} (${code})`;
}

/**
 * Whether `error`, or an error along its causes, is a TLS certificate the client refused (not signed by
 * an authority this process trusts, out of date, revoked, or for other hosts): no retry mends that, so the
 * default reporters write it as they write a wrong URL, rather than keep it quiet as an outage.
 *
 * @example
 * ```ts
 * refusedCertificateAlong(new HttpClientError('ERR_RS_HTTP_NETWORK', message, { cause: tlsError })); // true
 * ```
 */
export function refusedCertificateAlong(error: unknown): boolean {
  try {
    // The certificate's code may lie under our own errors' (an IntrospectionError, an HttpClientError).
    for (const { code } of errorChain(error, 2 * MAX_CAUSE_DEPTH)) {
      if (typeof code === 'string' && isCertificateRefusal(code)) return true;
    }
  } catch {
    // Getters that throw: no certificate to tell of.
  }
  return false;
}

function isCertificateRefusal(code: string): boolean {
  return (
    UNTRUSTED_ISSUER_CODES.has(code) || WRONG_NAME_CODES.has(code) || REFUSED_CERTIFICATE_CODES.has(code)
  );
}

/** The first error code along `error`'s causes, if it looks like one. */
function errorCode(error: unknown): string | undefined {
  try {
    for (const { code } of errorChain(error, MAX_CAUSE_DEPTH)) {
      if (typeof code === 'string' && ERROR_CODE.test(code)) return code;
    }
  } catch {
    // An error of a `fetch` of the user's own whose getters throw: no code to tell, the URL still shown.
  }
  return undefined;
}
