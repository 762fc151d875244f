import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  DiscoveryError,
  discoverMetadata,
  fetchHttpClient,
  type IntrospectionError,
  introspectionResolver,
} from '../../src/index.js';
import { bearerRequest } from '../helpers.js';

/**
 * The size of an issuer's metadata document has nothing to do with the size of introspection answers, and
 * a document too large is as large the next time: discovery must not be failed for good by
 * `maxResponseBytes` meant for answers, and a document over the limit is wrong metadata, not an outage.
 */

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** An authorization server whose metadata carries `padding` extra bytes, and whose endpoint says active. */
async function authorizationServer(padding: number): Promise<string> {
  let issuer = '';
  const server = createServer((request, response) => {
    const json = (value: unknown): void => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (request.url?.startsWith('/.well-known/')) {
      json({
        issuer,
        introspection_endpoint: `${issuer}/introspect`,
        service_documentation: 'x'.repeat(padding),
      });
      return;
    }
    json({ active: true, sub: 'alice', aud: 'https://api.example.com', scope: 'read' });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return issuer;
}

function resolverFor(issuer: string, errors: IntrospectionError[], maxResponseBytes?: number) {
  return introspectionResolver({
    issuer,
    audience: 'https://api.example.com',
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'x'.repeat(32) },
    httpClient: fetchHttpClient(),
    onError: (error) => errors.push(error),
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });
}

describe('metadata size', () => {
  it('discovers from metadata larger than a small maxResponseBytes set for introspection answers', async () => {
    // About 4 KiB of metadata, as Keycloak's or Access Management's, and answers limited to 2 KiB.
    const issuer = await authorizationServer(4_000);
    const errors: IntrospectionError[] = [];
    const rs = createResourceServer({ resolver: resolverFor(issuer, errors, 2_048), requireHttps: false });
    const result = await rs.authenticate(bearerRequest('opaque-token'));
    expect(errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('reports metadata over the limit as misconfigured, not as the server unavailable', async () => {
    const issuer = await authorizationServer(70 * 1024);
    const errors: IntrospectionError[] = [];
    const rs = createResourceServer({ resolver: resolverFor(issuer, errors), requireHttps: false });
    const result = await rs.authenticate(bearerRequest('opaque-token'));
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.rejection.code).toBe('introspection_misconfigured');
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });

  it('makes discoverMetadata refuse a document over its limit as invalid metadata', async () => {
    const issuer = await authorizationServer(8_000);
    const failure = await discoverMetadata(issuer, fetchHttpClient(), {
      timeoutMs: 5_000,
      maxResponseBytes: 4_096,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DiscoveryError);
    expect((failure as DiscoveryError).code).toBe('ERR_RS_DISCOVERY_INVALID');
    expect((failure as DiscoveryError).message).toContain('exceeds 4096 bytes');
  });
});
