import type { Socket } from 'node:net';
import { parsedFormBody } from '../adapter/form-body.js';
import { isLoopbackHost } from '../http/endpoint-url.js';
import { headerTexts, type RsHeaders, type RsRequest, singleHeader } from '../request.js';
import { type NodeRequestHeaderFields, nodeRequestHeaders } from './node-request.js';
import { tlsClientCertificate } from './tls-client-certificate.js';

/**
 * The {@link RsRequest} of a Node HTTP framework (Express, Fastify, …), for adapters. `method` and
 * `headers`, which every request needs, are read at once. The rest is read where core asks for it, and
 * read once: the URL (the framework's proxy-aware scheme and host getters, a string built) when HTTPS is
 * required or a policy or DPoP proof looks at it; the peer address and the TLS client certificate (a call
 * into the TLS socket that builds the whole parsed certificate) only for certificate-bound tokens; the
 * form body only for form-body tokens.
 *
 * Those are getters on the prototype, not own properties: a spread, `Object.keys` or `JSON.stringify` of
 * the request sees `method` and `headers` only. Read late, the peer address and the certificate are
 * those of the connection at that moment: once the client has gone, there are none, and a request that
 * needs them is refused.
 *
 * An adapter extends it with the three reads its framework answers differently: `readUrl`,
 * `readBody` and `readSocket` (see docs/writing-an-adapter.md for an example).
 */
export abstract class NodeFrameworkRequest implements RsRequest {
  readonly method: string;
  readonly headers: RsHeaders;
  #url: string | undefined = undefined;
  #clientCertificate: { readonly value: Uint8Array | undefined } | undefined = undefined;

  /** `headerFields`: the Node request, whose repeated header fields are kept apart (see `nodeRequestHeaders`). */
  protected constructor(method: string, headerFields: NodeRequestHeaderFields) {
    this.method = method;
    this.headers = nodeRequestHeaders(headerFields);
  }

  /** The absolute URL the client used: `requestUrl(publicBase, protocol, host, target, this.method)`. */
  protected abstract readUrl(): string;

  /** The body as the framework parsed it, if it did (a form body is read from it). */
  protected abstract readBody(): unknown;

  /** The connection's socket: the peer's address, and on a TLS socket the client certificate. */
  protected abstract readSocket(): Socket | undefined;

  get url(): string {
    this.#url ??= this.readUrl();
    return this.#url;
  }

  get form(): Readonly<Record<string, unknown>> | undefined {
    return parsedFormBody(this.readBody());
  }

  /**
   * `'unreadable'` when the request has a body and the framework did not parse it ({@link bodyParsed}):
   * no form parser mounted (or mounted after the resource server), or one that left text or bytes. Core
   * reads this only when it wants the form body (form-body tokens on, POST, PUT or PATCH,
   * form-urlencoded), and refuses such a request rather than decide it as if the body held no token.
   */
  get formUnexamined(): 'unreadable' | undefined {
    return hasBody(this.headers) && !this.bodyParsed() ? 'unreadable' : undefined;
  }

  /**
   * Whether the framework parsed the request's body into what `readBody` answers: by default, whether
   * that is a record ({@link parsedFormBody}). An adapter whose framework may leave a record there without
   * having parsed the body (Express 4's body-parser sets `req.body = {}` before it looks at the media
   * type) answers from what it knows more.
   */
  protected bodyParsed(): boolean {
    return parsedFormBody(this.readBody()) !== undefined;
  }

  /** The socket's address, never a forwarded one. */
  get peerAddress(): string | undefined {
    return this.readSocket()?.remoteAddress;
  }

  /**
   * Whether the connection arrived on a loopback address of this server: the socket's, never `Host`.
   * A socket that cannot say (gone once the client left, a Unix socket, none) is not loopback: the
   * plain-http exception is for connections known to be local.
   */
  get loopbackConnection(): boolean {
    const local = this.readSocket()?.localAddress;
    if (local === undefined) return false;
    // An IPv4 address reached over an IPv6 socket is written `::ffff:127.0.0.1`.
    const address = local.startsWith('::ffff:') ? local.slice(7) : local;
    return address === '::1' || isLoopbackHost(address);
  }

  /** The certificate the client presented on this server's TLS connection, as DER bytes. */
  get clientCertificate(): Uint8Array | undefined {
    this.#clientCertificate ??= { value: tlsClientCertificate(this.readSocket()) };
    return this.#clientCertificate.value;
  }
}

/**
 * Whether the request may carry a body: false only when its headers rule one out. Over HTTP/1.1 that is
 * neither `Transfer-Encoding` nor a `Content-Length` other than 0 (RFC 9112 §6.3); over HTTP/2 (its
 * `:method` pseudo-header among the headers, as Node gives them) a body needs no `Content-Length`, so
 * only `Content-Length: 0` does.
 */
function hasBody(headers: RsHeaders): boolean {
  if (headerTexts(headers, 'transfer-encoding').length > 0) return true;
  const length = singleHeader(headers, 'content-length');
  if (length === undefined) return Object.hasOwn(headers, ':method');
  return length === null || !/^0+$/.test(length.trim());
}
