import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver } from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// RFC 8705 §5: a server that takes client certificates on other endpoints than its usual ones publishes
// them as `mtls_endpoint_aliases` (Auth0, PingFederate, oidc-provider configured for it). A resource server
// authenticating with `tls_client_auth` must introspect there: the plain endpoint asks for no certificate
// and refuses the caller as unauthenticated.

let pki: TestPki;
let mtlsServer: Server;
let mtlsEndpoint: string;
let authorizationServer: StandInServer;
let metadata: Record<string, unknown>;

beforeAll(async () => {
  pki = createTestPki();
  mtlsServer = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.pem,
      ca: pki.ca.pem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const presented = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
      const known = presented === 'client.example.com' && new URLSearchParams(body).get('client_id') === 'rs';
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(known ? { active: true, scope: 'read', client_id: 'app' } : { active: false }),
      );
    },
  );
  mtlsServer.listen(0, '127.0.0.1');
  await once(mtlsServer, 'listening');
  mtlsEndpoint = `https://127.0.0.1:${(mtlsServer.address() as AddressInfo).port}/introspect`;
  // The plain endpoint sees no certificate, so it refuses the client as unauthenticated.
  authorizationServer = await startStandInServer((request) =>
    request.path.startsWith('/.well-known/')
      ? { json: metadata }
      : { status: 401, json: { error: 'invalid_client' } },
  );
});

afterAll(async () => {
  mtlsServer?.closeAllConnections();
  mtlsServer?.close();
  await authorizationServer?.close();
  pki?.cleanup();
});

function metadataWith(aliases: unknown): Record<string, unknown> {
  return {
    issuer: authorizationServer.origin,
    introspection_endpoint: authorizationServer.introspectionEndpoint,
    ...(aliases === undefined ? {} : { mtls_endpoint_aliases: aliases }),
  };
}

async function introspectWithCertificate(clientAuthentication: {
  method: 'tls_client_auth' | 'self_signed_tls_client_auth';
  clientId: string;
}) {
  const httpClient = undiciHttpClient({
    tls: { cert: pki.client.pem, key: pki.client.keyPem, ca: pki.ca.pem },
  });
  const errors: unknown[] = [];
  try {
    const resolver = introspectionResolver({
      issuer: authorizationServer.origin,
      acceptAnyAudience: true,
      clientAuthentication,
      httpClient,
      onError: (error) => errors.push(error),
    });
    return { result: await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')), errors };
  } finally {
    await httpClient.close();
  }
}

describe('tls_client_auth introspects at the mTLS endpoint alias the metadata names (RFC 8705 §5)', () => {
  it('takes mtls_endpoint_aliases.introspection_endpoint over introspection_endpoint', async () => {
    metadata = metadataWith({ introspection_endpoint: mtlsEndpoint, token_endpoint: `${mtlsEndpoint}/t` });
    const before = authorizationServer.requests.filter((r) => r.path === '/introspect').length;
    const { result } = await introspectWithCertificate({ method: 'tls_client_auth', clientId: 'rs' });
    expect(expectAccepted(result).clientId).toBe('app');
    expect(authorizationServer.requests.filter((r) => r.path === '/introspect')).toHaveLength(before);
  });

  it('takes the alias for self_signed_tls_client_auth too (RFC 8705 §2.2): the same on this side', async () => {
    metadata = metadataWith({ introspection_endpoint: mtlsEndpoint });
    const before = authorizationServer.requests.filter((r) => r.path === '/introspect').length;
    const { result } = await introspectWithCertificate({
      method: 'self_signed_tls_client_auth',
      clientId: 'rs',
    });
    expect(expectAccepted(result).clientId).toBe('app');
    expect(authorizationServer.requests.filter((r) => r.path === '/introspect')).toHaveLength(before);
  });

  it('takes introspection_endpoint when the aliases name no introspection endpoint, or there are none', async () => {
    for (const aliases of [undefined, { token_endpoint: `${mtlsEndpoint}/t` }]) {
      metadata = metadataWith(aliases);
      const { result } = await introspectWithCertificate({ method: 'tls_client_auth', clientId: 'rs' });
      expectRejected(result, 'introspection_misconfigured', 503);
      expect(authorizationServer.requests.at(-1)?.path).toBe('/introspect');
    }
  });

  it('refuses aliases of the wrong type as wrong metadata rather than calling the plain endpoint', async () => {
    for (const aliases of ['https://mtls.example.com', [mtlsEndpoint], { introspection_endpoint: 42 }]) {
      metadata = metadataWith(aliases);
      const before = authorizationServer.requests.filter((r) => r.path === '/introspect').length;
      const { result, errors } = await introspectWithCertificate({
        method: 'tls_client_auth',
        clientId: 'rs',
      });
      expectRejected(result, 'introspection_misconfigured', 503);
      expect(authorizationServer.requests.filter((r) => r.path === '/introspect')).toHaveLength(before);
      expect(String((errors[0] as Error).message)).toContain('mtls_endpoint_aliases');
    }
  });

  it('names the alias, not the plain endpoint, when the alias is the URL refused', async () => {
    for (const alias of ['http://mtls.example.com/introspect', '/introspect']) {
      metadata = metadataWith({ introspection_endpoint: alias });
      const { result, errors } = await introspectWithCertificate({
        method: 'tls_client_auth',
        clientId: 'rs',
      });
      expectRejected(result, 'introspection_misconfigured', 503);
      expect(String((errors[0] as Error).message)).toContain(
        '"mtls_endpoint_aliases.introspection_endpoint"',
      );
    }
  });

  it('leaves the aliases alone for a client that authenticates with a secret', async () => {
    metadata = metadataWith({ introspection_endpoint: mtlsEndpoint });
    const resolver = introspectionResolver({
      issuer: authorizationServer.origin,
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      onError: () => {},
    });
    const before = authorizationServer.requests.filter((r) => r.path === '/introspect').length;
    await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token'));
    expect(authorizationServer.requests.filter((r) => r.path === '/introspect')).toHaveLength(before + 1);
  });
});
