import type { RsRequest } from '@rs/core';
import { parsedFormBody, requestUrl } from '@rs/core/adapter';
import { nodeRequestHeaders, tlsClientCertificate } from '@rs/core/node';
import type { Request } from 'express';

/**
 * Translates an Express request. The scheme comes from `req.protocol`, so the app's `trust proxy` setting
 * decides whether `X-Forwarded-Proto` counts; the peer is the socket's address, never a forwarded one.
 * The client certificate comes from the TLS socket, when this server terminated TLS.
 */
export function expressRsRequest(req: Request, publicBase: string | undefined): RsRequest {
  return new ExpressRsRequest(req, publicBase);
}

/**
 * Method and headers, which every request needs, are read at once. The rest is read where core asks
 * for it, once: the URL (Express's `protocol` getter, which consults `trust proxy`, and a string built)
 * when HTTPS is required or a policy or DPoP proof looks at it, the peer address and the client
 * certificate (a call into the TLS socket that builds the whole parsed certificate) only for
 * certificate-bound tokens, the form body only for form-body tokens.
 */
class ExpressRsRequest implements RsRequest {
  readonly method: string;
  readonly headers: RsRequest['headers'];
  readonly #req: Request;
  readonly #publicBase: string | undefined;
  #url: string | undefined = undefined;
  #clientCertificate: { readonly value: Uint8Array | undefined } | undefined = undefined;

  constructor(req: Request, publicBase: string | undefined) {
    this.method = req.method;
    this.headers = nodeRequestHeaders(req);
    this.#req = req;
    this.#publicBase = publicBase;
  }

  get url(): string {
    this.#url ??= requestUrl(
      this.#publicBase,
      this.#req.protocol,
      this.#req.headers.host,
      this.#req.originalUrl,
    );
    return this.#url;
  }

  get form(): Readonly<Record<string, unknown>> | undefined {
    return parsedFormBody(this.#req.body);
  }

  get peerAddress(): string | undefined {
    return this.#req.socket?.remoteAddress;
  }

  get clientCertificate(): Uint8Array | undefined {
    this.#clientCertificate ??= { value: tlsClientCertificate(this.#req.socket) };
    return this.#clientCertificate.value;
  }
}
