import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received. */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly form: URLSearchParams;
}

/** What the stand-in answers: JSON by default. */
export interface StandInAnswer {
  readonly status?: number;
  readonly json?: unknown;
  /** A raw body instead of `json`. */
  readonly body?: string;
  readonly contentType?: string;
}

/** A stand-in authorization server on loopback, recording what it was sent. */
export interface StandInServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `<origin>/introspect` */
  readonly introspectionEndpoint: string;
  readonly requests: readonly StandInRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for an authorization server, over real HTTP on 127.0.0.1, for what the real one in testkit
 * (oidc-provider) cannot show: other vendors' answer shapes (Keycloak, AM), and client authentication
 * methods oidc-provider does not offer for introspection (`bearer`, `tls_client_auth` without TLS here).
 * `answer` decides every response from the request it received.
 */
export async function startStandInServer(
  answer: (request: StandInRequest) => StandInAnswer,
): Promise<StandInServer> {
  const requests: StandInRequest[] = [];
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request: StandInRequest = {
      method: incoming.method ?? 'GET',
      path: new URL(incoming.url ?? '/', 'http://stand-in').pathname,
      headers: incoming.headers,
      form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    };
    requests.push(request);
    const { status = 200, json, body, contentType = 'application/json' } = answer(request);
    response.writeHead(status, { 'content-type': contentType }).end(body ?? JSON.stringify(json));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    introspectionEndpoint: `${origin}/introspect`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
