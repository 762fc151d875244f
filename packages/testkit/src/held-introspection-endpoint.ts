import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An RFC 7662 introspection endpoint on 127.0.0.1 that decides each answer when the request arrives and
 * sends it when the test lets it (`release`): an answer given before a revocation can then reach the
 * resource server after it, in the order the test chooses, with no sleep deciding it.
 */
export interface HeldIntrospectionEndpoint {
  /** `http://127.0.0.1:<port>/introspect` */
  readonly endpoint: string;
  /** Introspection requests received. */
  readonly calls: number;
  /** Tokens the server answers inactive from now on (it revoked them). */
  readonly revoked: Set<string>;
  /** Hold the answers (true) or send them at once. */
  holding: boolean;
  /** Sends every answer held. */
  release(): void;
  /** Stops the server and closes its connections. */
  close(): Promise<void>;
}

/** Starts a {@link HeldIntrospectionEndpoint} that answers `answerFor(token)` for a token not revoked. */
export async function startHeldIntrospectionEndpoint(
  answerFor: (token: string) => Record<string, unknown>,
): Promise<HeldIntrospectionEndpoint> {
  const held: (() => void)[] = [];
  const revoked = new Set<string>();
  let calls = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      calls++;
      const token = new URLSearchParams(body).get('token') ?? '';
      const answer = revoked.has(token) ? { active: false } : answerFor(token);
      const send = (): void => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      };
      if (endpoint.holding) held.push(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint: HeldIntrospectionEndpoint = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
    get calls() {
      return calls;
    },
    revoked,
    holding: false,
    release() {
      for (const send of held.splice(0)) send();
    },
    close() {
      endpoint.release();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return endpoint;
}
