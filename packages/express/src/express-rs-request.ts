import type { Socket } from 'node:net';
import type { RsRequest } from '@rs/core';
import { requestUrl } from '@rs/core/adapter';
import { NodeFrameworkRequest } from '@rs/core/node';
import type { Request } from 'express';

/**
 * Translates an Express request. The scheme comes from `req.protocol`, so the app's `trust proxy` setting
 * decides whether `X-Forwarded-Proto` counts; the peer is the socket's address, never a forwarded one.
 * The client certificate comes from the TLS socket, when this server terminated TLS. Everything but the
 * method and headers is read when core asks for it (see `NodeFrameworkRequest`).
 */
export function expressRsRequest(req: Request, publicBase: string | undefined): RsRequest {
  return new ExpressRsRequest(req, publicBase);
}

class ExpressRsRequest extends NodeFrameworkRequest {
  readonly #req: Request;
  readonly #publicBase: string | undefined;

  constructor(req: Request, publicBase: string | undefined) {
    super(req.method, req);
    this.#req = req;
    this.#publicBase = publicBase;
  }

  protected readUrl(): string {
    return requestUrl(this.#publicBase, this.#req.protocol, this.#req.headers.host, this.#req.originalUrl);
  }

  protected readBody(): unknown {
    return this.#req.body;
  }

  protected readSocket(): Socket | undefined {
    return this.#req.socket;
  }
}
