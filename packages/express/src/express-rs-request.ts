import type { Socket } from 'node:net';
import type { RsRequest } from '@rs/core';
import { requestUrl } from '@rs/core/adapter';
import { NodeFrameworkRequest } from '@rs/core/node';
import type { Request } from 'express';

/**
 * Translates an Express request. The scheme comes from `req.protocol`, so the app's `trust proxy` setting
 * decides whether `X-Forwarded-Proto` counts; the peer is the socket's address, never a forwarded one.
 * The client certificate comes from the TLS socket, when this server terminated TLS. A form body is the
 * one `express.urlencoded()` (mounted before) parsed: with form-body tokens on, a form body no parser
 * read is refused (400), never decided as if it held no token. Everything but the method and headers is
 * read when core asks for it (see `NodeFrameworkRequest`).
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
    return requestUrl(
      this.#publicBase,
      this.#req.protocol,
      this.#req.headers.host,
      this.#req.originalUrl,
      this.method,
    );
  }

  protected readBody(): unknown {
    return this.#req.body;
  }

  /**
   * Whether a body parser (`express.urlencoded()`, body-parser) parsed the body into `req.body`: a
   * record there, and the request stream read to its end. A record alone proves nothing: Express 4's
   * parsers set `req.body = {}` before looking at the media type (`express.json()` alone leaves `{}` for a
   * form), and a parser mounted after the resource server has not run yet. Express 5's (body-parser 2)
   * leave `req.body` undefined; both read the stream to its end before they set a parsed body.
   */
  protected override bodyParsed(): boolean {
    return super.bodyParsed() && this.#req.readableEnded;
  }

  protected readSocket(): Socket | undefined {
    return this.#req.socket;
  }
}
