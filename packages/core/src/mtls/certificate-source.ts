import { requireOption } from '../config/config-error.js';
import {
  integerBetween,
  nonEmptyString,
  type OptionSchema,
  oneOf,
  refuseGivenUndefined,
  stringList,
} from '../config/option-schema.js';
import { positiveOption } from '../config/option-values.js';
import { timingSafeEqual } from '../crypto/constant-time.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { FRAMING_AND_CREDENTIAL_HEADERS } from '../http/framing-and-credential-headers.js';
import { isHeaderName } from '../http/header-field.js';
import { type RsRequest, singleHeader } from '../request.js';
import { certificateDer, certificateDigest } from './certificate-thumbprint.js';
import {
  CERTIFICATE_HEADER_FORMATS,
  type CertificateHeaderFormat,
  isJoinedHeaderValue,
  parseClientCertHeader,
} from './client-cert-header.js';
import { type AddressMatcher, addressMatcher } from './ip-address.js';

/**
 * Where a TLS-terminating proxy puts the client certificate. Off unless configured: a header is only
 * as trustworthy as the proxy that sets it, and only if the proxy removes the client's own copy.
 */
export interface CertificateHeaderOptions {
  /**
   * The header name. No default on purpose: pick one an attacker cannot guess, and have the proxy strip
   * it from incoming requests before setting it. A header that frames the message or carries credentials
   * (`Host`, `Cookie`, `Authorization`, `DPoP`, `Content-Length`, `Transfer-Encoding`, `Connection`, …)
   * is refused: no proxy sends a certificate in it.
   */
  readonly name: string;
  /**
   * How the proxy encodes the certificate. Default `'auto'`, which recognizes every format but Envoy's
   * `Hash=` alone (configure `'envoy-xfcc'` for that).
   */
  readonly format?: CertificateHeaderFormat | undefined;
  /**
   * Addresses or CIDR ranges (`10.0.0.0/8`, `::1`) of the proxies allowed to set the header, matched
   * against `RsRequest.peerAddress`. A request from anywhere else is judged by its own TLS certificate
   * only, whatever the header says. A request whose adapter knows no peer address (a Lambda behind an
   * Application Load Balancer) and that carries the header is refused (`certificate_header_untrusted`):
   * who set it cannot be checked.
   *
   * Default: every peer that presents no TLS client certificate of its own (the network lets only the
   * proxy reach you). A peer that does present one reached you over its own TLS connection and is judged
   * by that certificate, never by the header; so a proxy that re-encrypts to you with a client certificate
   * of its own must be listed here. Given as `undefined` (an unset variable) it is refused, not read as the
   * default.
   *
   * Each entry is an address or a network (`192.168.1.0/24`, never `192.168.1.10/24`, whose host bits
   * make it unclear which was meant); a range of every address (`0.0.0.0/0`, `::/0`) is refused: leave
   * the option out instead. So are a range wider than any network of proxies (under /8 in IPv4, /7 in
   * IPv6) and the unspecified address (`0.0.0.0`, `::`), which no peer has. An IPv4 part with a leading zero (`010.0.0.1`) is refused: some read it as
   * octal (RFC 6943 §3.1.1).
   */
  readonly trustedProxies?: readonly string[];
  /**
   * Longest header value accepted, in characters. Default 16 384; a whole number up to
   * {@link MAX_CERTIFICATE_HEADER_LENGTH} (1 MiB), past which the header parsers would be unbounded.
   */
  readonly maxLength?: number | undefined;
}

/**
 * The longest `maxLength`: 1 MiB, sixty times the default and room for an `envoy-xfcc` chain of several
 * certificates of the largest size read (16 KiB of DER each). A larger bound is no bound (`1e12`), most
 * often bytes of something else given for characters.
 */
export const MAX_CERTIFICATE_HEADER_LENGTH = 1024 * 1024;

/** The rules of {@link CertificateHeaderOptions}: `trustedProxy` and other slips are refused at start-up. */
export const CERTIFICATE_HEADER_OPTIONS: OptionSchema<CertificateHeaderOptions> = {
  name: nonEmptyString,
  format: oneOf(...CERTIFICATE_HEADER_FORMATS),
  trustedProxies: stringList,
  maxLength: integerBetween(1, MAX_CERTIFICATE_HEADER_LENGTH),
};

/** The certificate a request presents, reduced to the SHA-256 digest `x5t#S256` is made of. */
export interface CertificateSource {
  /** The digest, `undefined` when no certificate was presented, or why what was presented is unusable. */
  digest(request: RsRequest): Promise<Outcome<Uint8Array | undefined>>;
  /**
   * Whether the certificate header is read only from the proxies `certificateHeader.trustedProxies`
   * lists: a request that carries it then needs its `peerAddress`, or it is refused
   * (`certificate_header_untrusted`). `false` without the header or without the list.
   */
  readonly headerTrustedProxies: boolean;
}

/**
 * Builds the {@link CertificateSource}: the certificate header when it is configured and the peer is a
 * trusted proxy, else the TLS connection's certificate (`RsRequest.clientCertificate`). Never both: on a
 * request the proxy forwards, the connection's certificate is the proxy's own.
 */
export function certificateSource(options: CertificateHeaderOptions | undefined): CertificateSource {
  const header = options === undefined ? undefined : resolveHeader(options);
  return {
    headerTrustedProxies: header?.proxies !== undefined,
    async digest(request) {
      if (header !== undefined) {
        const sender = headerSender(request, header);
        if (sender === 'unknown') {
          return refusal(
            'certificate_header_untrusted',
            'The sender of the client certificate header could not be checked',
          );
        }
        if (sender === 'trusted') return headerDigest(request, header);
      }
      const certificate = connectionCertificate(request);
      if (certificate === undefined) return success(undefined);
      const der = readableCertificate(certificate) ? certificateDer(certificate) : undefined;
      if (der === undefined)
        return refusal('certificate_invalid', 'The client certificate could not be read');
      return success(await certificateDigest(der));
    },
  };
}

/**
 * The TLS connection's certificate as the adapter handed it over, `undefined` when it presented none.
 * `null` (a loosely typed adapter's `peerCertificate?.raw ?? null`) is none too, as a header value that
 * is not text counts as not sent: read as a certificate it would throw on the client's request, and
 * taken for one it would keep the header from being read.
 */
function connectionCertificate(request: RsRequest): unknown {
  const certificate: unknown = request.clientCertificate;
  return certificate === null ? undefined : certificate;
}

/**
 * Whether a presented certificate is of a type it can be read from: DER bytes or PEM text. Anything else
 * (an array of numbers, Node's certificate object itself) was meant as a certificate and is refused as
 * unreadable, never handed to the DER reader or to the digest, which would throw on it.
 */
function readableCertificate(certificate: unknown): certificate is Uint8Array | string {
  return typeof certificate === 'string' || certificate instanceof Uint8Array;
}

/**
 * Whether the certificate header of `request` is to be read: `'trusted'` from a listed proxy, or from any
 * peer without a TLS client certificate of its own when no list is configured; `'unknown'` when a list is
 * configured, the header is sent and the adapter knows no peer address to match it against; otherwise
 * `'ignored'`, and the connection's own certificate decides.
 */
function headerSender(request: RsRequest, header: ResolvedHeader): 'trusted' | 'ignored' | 'unknown' {
  // Without a list, the network is trusted to let only the proxy in, and the proxy (which ends TLS) sends
  // no client certificate of its own. A peer that presents one holds a TLS connection to this server
  // itself: its certificate is the one it proved, whatever it writes in a header.
  if (header.proxies === undefined)
    return connectionCertificate(request) === undefined ? 'trusted' : 'ignored';
  if (request.peerAddress !== undefined)
    return header.proxies.matches(request.peerAddress) ? 'trusted' : 'ignored';
  // Ignoring the header here would answer a proxied client "no certificate" while its proxy sent one;
  // reading it would trust whoever sent it. Neither is right: say why the request cannot be decided.
  return headerSent(request, header.name) ? 'unknown' : 'ignored';
}

/**
 * Whether the header is present with a value: empty (its spaces and tabs stripped by singleHeader), as a
 * proxy sets it for no certificate, is absent.
 */
function headerSent(request: RsRequest, name: string): boolean {
  const value = singleHeader(request.headers, name);
  return value === null || (value !== undefined && value !== '');
}

interface ResolvedHeader {
  readonly name: string;
  readonly format: CertificateHeaderFormat;
  readonly proxies: AddressMatcher | undefined;
  readonly maxLength: number;
}

function resolveHeader(options: CertificateHeaderOptions): ResolvedHeader {
  requireOption(typeof options === 'object' && options !== null, 'certificateHeader', 'must be an object');
  requireOption(isHeaderName(options.name), 'certificateHeader.name', 'must be a valid header name');
  const name = options.name.toLowerCase();
  requireOption(
    !FRAMING_AND_CREDENTIAL_HEADERS.has(name),
    'certificateHeader.name',
    'must not be a header that frames the message or carries credentials (Host, Cookie, Authorization, ' +
      'DPoP, Content-Length, Transfer-Encoding, Connection, …): no proxy sends a certificate in it',
  );
  const format = options.format ?? 'auto';
  requireOption(
    CERTIFICATE_HEADER_FORMATS.includes(format),
    'certificateHeader.format',
    `must be one of ${CERTIFICATE_HEADER_FORMATS.join(', ')}`,
  );
  // Left out, every peer is trusted; given as undefined (`process.env.PROXIES?.split(',')` with the
  // variable unset), it is a list that failed to load, never read as "trust everyone".
  refuseGivenUndefined(
    options,
    'trustedProxies',
    'certificateHeader.trustedProxies',
    'is undefined: a list that failed to load? Leave it out only when every peer may set the header',
  );
  const proxies =
    options.trustedProxies === undefined
      ? undefined
      : addressMatcher(options.trustedProxies, 'certificateHeader.trustedProxies');
  return {
    name,
    format,
    proxies,
    maxLength: positiveOption(options.maxLength, 16_384, 'certificateHeader.maxLength'),
  };
}

async function headerDigest(
  request: RsRequest,
  header: ResolvedHeader,
): Promise<Outcome<Uint8Array | undefined>> {
  const value = singleHeader(request.headers, header.name);
  if (value === null) return invalidHeader('The client certificate header was sent more than once');
  if (value === undefined || value.trim() === '') return success(undefined);
  if (value.length > header.maxLength) return invalidHeader('The client certificate header is too large');
  if (isJoinedHeaderValue(value, header.format))
    return invalidHeader('The client certificate header was sent more than once');
  const presented = parseClientCertHeader(value, header.format);
  if (presented === undefined) return invalidHeader('The client certificate header could not be decoded');
  if (presented.der === undefined) return success(presented.digest);
  const digest = await certificateDigest(presented.der);
  if (presented.digest !== undefined && !timingSafeEqual(digest, presented.digest)) {
    return invalidHeader('The client certificate header holds a hash of another certificate');
  }
  return success(digest);
}

function invalidHeader(description: string): Outcome<never> {
  return refusal('certificate_header_invalid', description);
}
