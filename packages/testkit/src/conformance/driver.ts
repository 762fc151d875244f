import type { AccessPolicy, ResourceServerOptions } from '@rs/core';

/** One protected route of the conformance app. */
export interface ConformanceRoute {
  /** The method the route answers. */
  readonly method: 'GET' | 'POST';
  /** The route's path, e.g. `/items`. */
  readonly path: string;
  /** The route's access policy, passed to the adapter's `protect` (or its equivalent). */
  readonly policy: AccessPolicy;
  /**
   * Authentication is optional on this route (the adapter's `protectOptional`, or its equivalent): a
   * request without any token reaches the handler without a context, which answers 200 with
   * {@link ANONYMOUS_ECHO}; a token, when present, is decided as on any route.
   */
  readonly optional?: boolean;
}

/** The route of the optional-authentication cases, added for drivers with `optionalAuthentication`. */
export const OPTIONAL_CONFORMANCE_ROUTE: ConformanceRoute = {
  method: 'GET',
  path: '/optional',
  policy: { scopes: ['read'] },
  optional: true,
};

/** What a route with optional authentication answers for a request without a token. */
export const ANONYMOUS_ECHO = Object.freeze({ anonymous: true });

/**
 * The routes every adapter under test must expose. Each answers 200 with {@link ConformanceEcho} built
 * from the OAuth2 context the adapter hands the handler.
 */
export const CONFORMANCE_ROUTES: readonly ConformanceRoute[] = [
  { method: 'GET', path: '/items', policy: { scopes: ['read'] } },
  { method: 'POST', path: '/items', policy: { scopes: ['write'] } },
  { method: 'GET', path: '/any', policy: { scopes: { anyOf: ['admin', 'read'] } } },
];

/** What a conformance route handler answers, from the context. */
export interface ConformanceEcho {
  /** The context's `subject`. */
  readonly subject: string | undefined;
  /** The context's `clientId`. */
  readonly clientId: string | undefined;
  /** The context's scopes, sorted. */
  readonly scopes: readonly string[];
  /** Where the token was read from, e.g. `authorization-header`. */
  readonly location: string;
  /** `Bearer` or `DPoP`. */
  readonly scheme: string;
}

/** The members of an OAuth2 context the echo reads. */
export interface ConformanceContext {
  /** The token's subject. */
  readonly subject: string | undefined;
  /** The client the token was issued to. */
  readonly clientId: string | undefined;
  /** The scopes the token grants. */
  readonly scopes: ReadonlySet<string>;
  /** Where the token was read from. */
  readonly location: string;
  /** The scheme it came with. */
  readonly scheme: string;
}

/**
 * Builds the echo body from an OAuth2 context; every driver's handlers use it. A route with optional
 * authentication hands it `undefined` for a request without a token: {@link ANONYMOUS_ECHO}.
 */
export function conformanceEcho(context: ConformanceContext): ConformanceEcho;
export function conformanceEcho(
  context: ConformanceContext | undefined,
): ConformanceEcho | typeof ANONYMOUS_ECHO;
export function conformanceEcho(
  context: ConformanceContext | undefined,
): ConformanceEcho | typeof ANONYMOUS_ECHO {
  if (context === undefined) return ANONYMOUS_ECHO;
  return {
    subject: context.subject,
    clientId: context.clientId,
    scopes: [...context.scopes].sort(),
    location: context.location,
    scheme: context.scheme,
  };
}

/** A certificate and its private key, as a TLS client presents them. */
export interface ConformanceClientCertificate {
  /** The certificate, PEM. */
  readonly pem: string;
  /** Its private key, PEM. */
  readonly keyPem: string;
}

/** A request sent to the app under test. */
export interface ConformanceRequest {
  /** The request method. */
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/items?access_token=…`. */
  readonly path: string;
  /** Header names in the client's spelling; an array is a header sent once per value (its own line). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A form-urlencoded body (the driver sends it with that content type). */
  readonly form?: Readonly<Record<string, string>>;
  /**
   * A form-urlencoded body already content-coded, instead of `form`: sent as these bytes, with that
   * content type and `Content-Encoding: <encoding>` (see {@link conformanceBody}).
   */
  readonly codedForm?: ConformanceCodedForm;
  /**
   * The certificate the client presents on its own connection: in the TLS handshake, or wherever the
   * platform reports it (API Gateway's mutual TLS fields). Only sent to drivers with
   * {@link ConformanceDriver.connectionCertificates}.
   */
  readonly clientCertificate?: ConformanceClientCertificate;
}

/** A form body compressed (or otherwise coded) by the client, and the coding it names. */
export interface ConformanceCodedForm {
  /** The `Content-Encoding` value, e.g. `gzip`. */
  readonly encoding: string;
  /** The coded body, sent as is. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * The body of a conformance request and the headers that describe it, for drivers to send as they send
 * anything: `form` urlencoded, `codedForm` as its bytes with its `Content-Encoding`; `undefined` without
 * a body.
 *
 * @example
 * ```ts
 * const body = conformanceBody({ form: { a: 'b' } });
 * // { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' }
 * ```
 */
export function conformanceBody(
  request: Pick<ConformanceRequest, 'form' | 'codedForm'>,
):
  | { readonly headers: Readonly<Record<string, string>>; readonly body: string | Uint8Array<ArrayBuffer> }
  | undefined {
  const contentType = { 'content-type': 'application/x-www-form-urlencoded' };
  if (request.codedForm !== undefined) {
    const { encoding, bytes } = request.codedForm;
    return { headers: { ...contentType, 'content-encoding': encoding }, body: bytes };
  }
  if (request.form === undefined) return undefined;
  return { headers: contentType, body: new URLSearchParams(request.form).toString() };
}

/** The answer, headers with lower-case names. */
export interface ConformanceResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON, or its text when it is not JSON. */
  readonly body: unknown;
}

/** An adapter under test, started with the given resource-server options and {@link CONFORMANCE_ROUTES}. */
export interface ConformanceApp {
  /** Sends one request to the app and reads the whole answer. */
  request(request: ConformanceRequest): Promise<ConformanceResponse>;
  /** The absolute URL the resource server sees for `path`: what a DPoP proof's `htu` names. */
  url(path: string): string;
  /** Stops the app and everything it started. */
  close(): Promise<void>;
}

/** The server side of TLS for drivers that can serve it: its certificate, key, and the CA clients trust. */
export interface ConformanceServerTls {
  /** The server certificate, PEM. */
  readonly cert: string;
  /** Its private key, PEM. */
  readonly key: string;
  /** The CA certificate clients trust, PEM. */
  readonly ca: string;
}

/**
 * The options a driver starts its adapter with: core's, and `publicUrl`, which the DPoP cases set (every
 * adapter requires it with DPoP). A driver passes it to the adapter and reports URLs under it.
 */
export type ConformanceOptions = ResourceServerOptions & {
  /** The URL the app is reached at from outside, e.g. `https://api.example.com` (DPoP's `htu`). */
  readonly publicUrl?: string;
};

/** How one adapter is started for the suite. */
export interface ConformanceDriver {
  /**
   * Starts the app. With `tls`, a driver that serves TLS itself listens with it and asks clients for a
   * certificate without judging its chain (RFC 8705 §3); other drivers ignore it.
   */
  start(
    options: ConformanceOptions,
    routes: readonly ConformanceRoute[],
    tls?: ConformanceServerTls,
  ): Promise<ConformanceApp>;
  /**
   * Whether the adapter sees the certificate of the client's own connection (a TLS server, or a
   * platform that reports it). The connection-certificate cases run only then; the Fetch API has no
   * such notion.
   */
  readonly connectionCertificates?: boolean;
  /**
   * The peer address the resource server sees for the driver's requests, when it sees one: the
   * trusted-proxy case names it in `certificateHeader.trustedProxies`.
   */
  readonly peerAddress?: string;
  /**
   * Whether the driver serves routes with `optional: true`. Every adapter of this repository does; the
   * optional-authentication cases run only then.
   */
  readonly optionalAuthentication?: boolean;
  /**
   * Apps of the same adapter whose framework leaves form bodies unparsed, by what they lack (Express
   * without `express.urlencoded()`, or with it mounted after the routes): with form-body tokens on, such a
   * body is refused, never decided as if it held no token. Only adapters over a framework that parses
   * bodies itself have them; each runs the unparsed-form cases.
   */
  readonly unparsedForms?: Readonly<Record<string, ConformanceDriver>>;
  /**
   * Whether the driver runs an adapter's lite entry (over `@rs/core/lite`): the cases of what it leaves
   * out (DPoP, certificate-bound tokens, failure answers) do not run; everything else runs unchanged.
   */
  readonly lite?: boolean;
}
