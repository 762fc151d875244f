import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * The DER certificate the client presented on this TLS connection, or `undefined` on plain HTTP or when
 * none was sent. The chain is deliberately not checked (`socket.authorized`): RFC 8705 §3 binds the token
 * to the certificate itself, so servers run `requestCert: true, rejectUnauthorized: false`. For Node
 * adapters, to fill `RsRequest.clientCertificate`.
 *
 * @example
 * ```ts
 * const clientCertificate = tlsClientCertificate(req.socket);
 * ```
 */
export function tlsClientCertificate(socket: Socket | undefined): Uint8Array | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  // Without a certificate Node returns `{}` (or null once the socket is gone): no `raw` then.
  const raw: Buffer | undefined = socket.getPeerCertificate()?.raw;
  return raw !== undefined && raw.length > 0 ? raw : undefined;
}
