// The troubleshooting rows of ERR_RS_DISCOVERY_UNAVAILABLE and ERR_RS_DISCOVERY_INVALID say "DiscoveryError;
// requests get 503". For an introspection resolver that discovers its endpoint from `issuer`, the
// DiscoveryError reaches the application as the `cause` of the IntrospectionError told to `onError`
// (UNAVAILABLE for an outage, MISCONFIGURED for wrong metadata, which is also written to console.error by
// default). Pinned here as it behaves, over real HTTP on loopback, with the documented fix applied.
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createResourceServer,
  DiscoveryError,
  HttpClientError,
  type IntrospectionError,
  introspectionResolver,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import {
  type StandInAnswer,
  type StandInServer,
  startStandInServer,
} from '../stand-in-authorization-server.js';

const standIns: StandInServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

/** An authorization server whose metadata URLs answer `metadata`, and whose endpoint is `/introspect`. */
async function authorizationServer(metadata: (origin: string) => StandInAnswer): Promise<StandInServer> {
  let origin = '';
  const server = await startStandInServer((request) =>
    request.path === '/introspect' ? { json: { active: true, scope: 'read' } } : metadata(origin),
  );
  origin = server.origin;
  standIns.push(server);
  return server;
}

function discovering(
  issuer: string,
  options: { timeout?: number; onError?: (error: IntrospectionError) => void },
) {
  return createResourceServer({
    resolver: introspectionResolver({
      issuer,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
      acceptAnyAudience: true,
      ...options,
    }),
  });
}

describe('ERR_RS_DISCOVERY_INVALID through introspectionResolver', () => {
  it('is the cause of an ERR_RS_INTROSPECTION_MISCONFIGURED told to onError, naming the metadata URLs; 503', async () => {
    const server = await authorizationServer(() => ({ status: 404, body: '' }));
    const errors: IntrospectionError[] = [];
    const rs = discovering(server.origin, { onError: (error) => errors.push(error) });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest('opaque')),
      'introspection_misconfigured',
      503,
    );
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
    expect(errors[0]?.cause).toBeInstanceOf(DiscoveryError);
    expect(errors[0]?.cause).toMatchObject({ code: 'ERR_RS_DISCOVERY_INVALID' });
    expect(errors[0]?.message).toContain(`${server.origin}/.well-known/oauth-authorization-server`);
    expect(errors[0]?.message).toContain(`${server.origin}/.well-known/openid-configuration`);
  });

  it('is written to console.error by default', async () => {
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await authorizationServer(() => ({ json: { issuer: 'https://another.example.com' } }));
    const rs = discovering(server.origin, {});
    expectRejected(await rs.authenticate(bearerRequest('opaque')), 'introspection_misconfigured', 503);
    expect(written).toHaveBeenCalledTimes(1);
    expect(String(written.mock.calls[0]?.[0])).toContain('names issuer');
  });

  it('goes away once the metadata states the issuer and its endpoint (the documented fix)', async () => {
    const server = await authorizationServer((origin) => ({
      json: { issuer: origin, introspection_endpoint: `${origin}/introspect` },
    }));
    const errors: IntrospectionError[] = [];
    const rs = discovering(server.origin, { onError: (error) => errors.push(error) });
    expectAccepted(await rs.authenticate(bearerRequest('opaque')));
    expect(errors).toEqual([]);
  });
});

describe('ERR_RS_DISCOVERY_UNAVAILABLE through introspectionResolver', () => {
  it('is the cause of an ERR_RS_INTROSPECTION_UNAVAILABLE told to onError, the HTTP failure beneath; 503', async () => {
    const server = await authorizationServer(() => ({ status: 503, body: '' }));
    const errors: IntrospectionError[] = [];
    const rs = discovering(server.origin, { onError: (error) => errors.push(error) });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest('opaque')),
      'introspection_unavailable',
      503,
    );
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
    expect(errors[0]?.cause).toBeInstanceOf(DiscoveryError);
    expect(errors[0]?.cause).toMatchObject({ code: 'ERR_RS_DISCOVERY_UNAVAILABLE' });
    expect(errors[0]?.message).toContain('HTTP 503');
  });

  it('carries the timeout beneath it when the metadata does not answer in time', async () => {
    const errors: IntrospectionError[] = [];
    // A server that accepts connections and never answers: a stalled authorization server.
    const stalled = createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const sockets = new Set<Socket>();
    stalled.on('connection', (socket) => sockets.add(socket));
    try {
      const origin = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
      const rs = discovering(origin, { timeout: 200, onError: (error) => errors.push(error) });
      expectRejected(await rs.authenticate(bearerRequest('opaque')), 'introspection_unavailable', 503);
      const discovery = errors[0]?.cause;
      expect(discovery).toBeInstanceOf(DiscoveryError);
      expect(discovery).toMatchObject({ code: 'ERR_RS_DISCOVERY_UNAVAILABLE' });
      const beneath = (discovery as DiscoveryError).cause;
      expect(beneath).toBeInstanceOf(HttpClientError);
      expect(beneath).toMatchObject({ code: 'ERR_RS_HTTP_TIMEOUT' });
      expect((beneath as Error).message).toContain(`${origin}/.well-known/oauth-authorization-server`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });
});
