import type { RsRequest } from '@rs/core';
import { parsedFormBody, requestUrl } from '@rs/core/adapter';
import { nodeRequestHeaders, tlsClientCertificate } from '@rs/core/node';
import type { FastifyRequest } from 'fastify';

/**
 * Translates a Fastify request. Scheme and host come from Fastify, so its `trustProxy` setting decides
 * whether forwarded headers count; the peer is the socket's address, never a forwarded one. The client
 * certificate comes from the TLS socket, when this server terminated TLS.
 */
export function fastifyRsRequest(request: FastifyRequest, publicBase: string | undefined): RsRequest {
  return new FastifyRsRequest(request, publicBase);
}

/**
 * Method and headers, which every request needs, are read at once. The rest is read where core asks
 * for it, once: the URL (Fastify's scheme and host getters, a string built) when HTTPS is required or a
 * policy or DPoP proof looks at it, the peer address and the client certificate (a call into the TLS
 * socket) only for certificate-bound tokens, the form body only for form-body tokens.
 */
class FastifyRsRequest implements RsRequest {
  readonly method: string;
  readonly headers: RsRequest['headers'];
  readonly #request: FastifyRequest;
  readonly #publicBase: string | undefined;
  #url: string | undefined = undefined;
  #clientCertificate: { readonly value: Uint8Array | undefined } | undefined = undefined;

  constructor(request: FastifyRequest, publicBase: string | undefined) {
    this.method = request.method;
    this.headers = nodeRequestHeaders(request.raw);
    this.#request = request;
    this.#publicBase = publicBase;
  }

  get url(): string {
    this.#url ??= requestUrl(
      this.#publicBase,
      this.#request.protocol,
      this.#request.host,
      this.#request.originalUrl,
    );
    return this.#url;
  }

  get form(): Readonly<Record<string, unknown>> | undefined {
    return parsedFormBody(this.#request.body);
  }

  get peerAddress(): string | undefined {
    return this.#request.socket?.remoteAddress;
  }

  get clientCertificate(): Uint8Array | undefined {
    this.#clientCertificate ??= { value: tlsClientCertificate(this.#request.raw.socket) };
    return this.#clientCertificate.value;
  }
}
