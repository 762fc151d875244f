import type { RsRequest } from '@rs/core';
import { parsedFormBody, requestUrl } from '@rs/core/adapter';
import { nodeRequestHeaders, tlsClientCertificate } from '@rs/core/node';
import type { Request } from 'express';

/**
 * Translates an Express request. The scheme comes from `req.protocol`, so the app's `trust proxy` setting
 * decides whether `X-Forwarded-Proto` counts; the peer is the socket's address, never a forwarded one. The client certificate comes from the TLS socket, when
 * this server terminated TLS.
 */
export function expressRsRequest(req: Request, publicBase: string | undefined): RsRequest {
  return {
    method: req.method,
    url: requestUrl(publicBase, req.protocol, req.headers.host, req.originalUrl),
    headers: nodeRequestHeaders(req),
    form: parsedFormBody(req.body),
    peerAddress: req.socket.remoteAddress,
    clientCertificate: tlsClientCertificate(req.socket),
  };
}
