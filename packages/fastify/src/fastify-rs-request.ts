import type { RsRequest } from '@rs/core';
import { parsedFormBody, requestUrl } from '@rs/core/adapter';
import { nodeRequestHeaders, tlsClientCertificate } from '@rs/core/node';
import type { FastifyRequest } from 'fastify';

/**
 * Translates a Fastify request. Scheme and host come from Fastify, so its `trustProxy` setting decides
 * whether forwarded headers count; the peer is the socket's address, never a forwarded one. The client certificate comes from the TLS socket, when
 * this server terminated TLS.
 */
export function fastifyRsRequest(request: FastifyRequest, publicBase: string | undefined): RsRequest {
  return {
    method: request.method,
    url: requestUrl(publicBase, request.protocol, request.host, request.originalUrl),
    headers: nodeRequestHeaders(request.raw),
    form: parsedFormBody(request.body),
    peerAddress: request.socket?.remoteAddress,
    clientCertificate: tlsClientCertificate(request.raw.socket),
  };
}
