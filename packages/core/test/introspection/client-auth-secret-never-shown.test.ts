// The client secret appears nowhere the resource server writes when the endpoint refuses it (401, 400,
// 403: an authorization server that echoes what it was sent, in its status line, WWW-Authenticate and
// body), fails (500) or cannot be reached: not in the outcome, the errors told to onError or the default
// console report, telemetry, audit events, status() or the resolver's health, in any of its spellings
// (as given, form-urlencoded, percent-encoded, inside the Basic header's base64).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AuditEvent,
  type ClientAuthentication,
  createResourceServer,
  fetchHttpClient,
  introspectionResolver,
  type Telemetry,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest } from '../helpers.js';

const SECRET = 'Lk9:q+Z/ sEcReT%41';
const shapes = [
  SECRET,
  new URLSearchParams([['', SECRET]]).toString().slice(1),
  encodeURIComponent(SECRET),
  btoa(`rs:${new URLSearchParams([['', SECRET]]).toString().slice(1)}`),
  'sEcReT',
];

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** A server that echoes back everything it was sent, in its status line, headers and body. */
async function echoing(status: number): Promise<string> {
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const echo = `${request.headers.authorization ?? ''} ${body} ${decodeURIComponent(body)}`;
    response.writeHead(status, `Refused ${encodeURIComponent(echo)}`, {
      'content-type': 'application/json',
      'www-authenticate': `Basic error="invalid_client", error_description="${encodeURIComponent(echo)}"`,
    });
    response.end(JSON.stringify({ error: 'invalid_client', error_description: echo, active: true }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/introspect`;
}

const methods: ClientAuthentication[] = [
  { method: 'client_secret_basic', clientId: 'rs', clientSecret: SECRET },
  { method: 'client_secret_post', clientId: 'rs', clientSecret: SECRET },
];

describe.each(methods.map((auth) => [auth.method, auth] as const))(
  '%s: the secret is never shown',
  (_m, auth) => {
    for (const [name, endpoint] of [
      ['401', () => echoing(401)],
      ['400', () => echoing(400)],
      ['403', () => echoing(403)],
      ['500', () => echoing(500)],
      ['connection refused', closedPort],
    ] as const) {
      for (const [clientName, makeClient] of [
        ['fetch', fetchHttpClient],
        ['undici', undiciHttpClient],
        ['default', undefined],
      ] as const) {
        it(`${name} with ${clientName} client`, async () => {
          const written: unknown[] = [];
          for (const level of ['error', 'warn', 'log', 'info', 'debug'] as const)
            vi.spyOn(console, level).mockImplementation((...args) => void written.push(args));
          const seen: unknown[] = [];
          const telemetry: Telemetry = {
            attach: (status) => void seen.push(status),
            startRequest: () => ({
              run: (pipeline) => pipeline(),
              end: (event, error) => void seen.push(event, error),
              extracted: () => undefined,
              stage: () => undefined,
              cacheLookup: () => undefined,
              introspected: (...args) => void seen.push(args),
              resolved: (info) => void seen.push(info),
            }),
          };
          const url = await endpoint();
          const httpClient = makeClient?.();
          const resolver = introspectionResolver({
            endpoint: url,
            acceptAnyAudience: true,
            clientAuthentication: auth,
            retries: 1,
            timeout: 2_000,
            ...(httpClient === undefined ? {} : { httpClient }),
          });
          const audits: AuditEvent[] = [];
          const rs = createResourceServer({
            resolver,
            telemetry,
            onAudit: (event) => void audits.push(event),
          });
          const result = await rs.authenticate(bearerRequest('opaque-token'));
          const everything = inspect(
            [result, written, seen, audits, rs.status(), resolver.health?.(Date.now())],
            {
              depth: Number.POSITIVE_INFINITY,
              showHidden: true,
              maxStringLength: Number.POSITIVE_INFINITY,
              maxArrayLength: Number.POSITIVE_INFINITY,
            },
          );
          for (const shape of shapes) expect(everything).not.toContain(shape);
          expect(result.ok).toBe(false);
        });
      }
    }
  },
);
