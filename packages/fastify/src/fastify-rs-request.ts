import type { Socket } from 'node:net';
import type { RsRequest } from '@rs/core';
import { requestUrl } from '@rs/core/adapter';
import { NodeFrameworkRequest } from '@rs/core/node';
import type { FastifyRequest } from 'fastify';

/**
 * Translates a Fastify request. Scheme and host come from Fastify, so its `trustProxy` setting decides
 * whether forwarded headers count; the peer is the socket's address, never a forwarded one. The client
 * certificate comes from the TLS socket, when this server terminated TLS. Everything but the method and
 * headers is read when core asks for it (see `NodeFrameworkRequest`).
 */
export function fastifyRsRequest(request: FastifyRequest, publicBase: string | undefined): RsRequest {
  return new FastifyRsRequest(request, publicBase);
}

class FastifyRsRequest extends NodeFrameworkRequest {
  readonly #request: FastifyRequest;
  readonly #publicBase: string | undefined;

  constructor(request: FastifyRequest, publicBase: string | undefined) {
    super(request.method, request.raw);
    this.#request = request;
    this.#publicBase = publicBase;
  }

  protected readUrl(): string {
    return requestUrl(
      this.#publicBase,
      this.#request.protocol,
      this.#request.host,
      this.#request.originalUrl,
      this.method,
    );
  }

  protected readBody(): unknown {
    return this.#request.body;
  }

  protected readSocket(): Socket | undefined {
    return this.#request.raw.socket;
  }
}
