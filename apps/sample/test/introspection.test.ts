import { type IntrospectionError, introspectionResolver, type RsRequest } from '@rs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  call as callApi,
  OPAQUE_RESOURCE,
  revoke,
  type Servers,
  startServers,
  token as tokenOf,
} from './servers.js';

let servers: Servers;

beforeAll(async () => {
  servers = await startServers();
});

afterAll(async () => {
  await servers?.close();
});

const opaqueToken = (scope = 'read') => tokenOf(servers.as, scope, OPAQUE_RESOURCE);
const call = (path: string, accessToken?: string) => callApi(servers.apiUrl, path, accessToken);

interface EvictAnswer {
  evicted: boolean;
  cache: { hits: number; misses: number; revocations: number };
}

async function evict(accessToken: string): Promise<EvictAnswer> {
  const response = await fetch(`${servers.apiUrl}/admin/evict`, {
    method: 'POST',
    body: new URLSearchParams({ token: accessToken }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).not.toContain(accessToken);
  return JSON.parse(text) as EvictAnswer;
}

async function expectRefused(response: Response, code: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  expect(await response.json()).toMatchObject({ error: 'invalid_token', code });
}

describe('the embedded authorization server', () => {
  it('issues opaque access tokens for the opaque resource indicator', async () => {
    expect(await opaqueToken()).toMatch(/^[\w-]{20,}$/);
  });

  it('lets the API introspect them, and only the API', async () => {
    const accessToken = await opaqueToken();
    const introspect = async (credentials: typeof servers.as.client) => {
      const response = await fetch(servers.as.introspectionUrl, {
        method: 'POST',
        headers: basic(credentials),
        body: new URLSearchParams({ token: accessToken }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { active: boolean };
    };
    expect(await introspect(servers.as.resourceServer)).toMatchObject({
      active: true,
      client_id: 'sample-client',
      aud: OPAQUE_RESOURCE,
    });
    expect(await introspect(servers.as.client)).toEqual({ active: false });
  });
});

describe('/rs-introspect', () => {
  it('answers 200 with what the authorization server says about an opaque token', async () => {
    const response = await call('/rs-introspect', await opaqueToken());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      route: '/rs-introspect',
      source: 'introspection',
      clientId: 'sample-client',
      scopes: ['read'],
      issuer: servers.as.issuer,
      audience: [OPAQUE_RESOURCE],
      claims: { active: true, client_id: 'sample-client', aud: OPAQUE_RESOURCE, scope: 'read' },
    });
    expect(body.expiresAt).toBeTypeOf('number');
  });

  it('refuses a token without "read": 403 insufficient_scope', async () => {
    const response = await call('/rs-introspect', await opaqueToken('write'));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="read"');
  });

  it('refuses a revoked token at once: 401 token_inactive', async () => {
    const accessToken = await opaqueToken();
    expect((await call('/rs-introspect', accessToken)).status).toBe(200);
    await revoke(servers.as, accessToken);
    await expectRefused(await call('/rs-introspect', accessToken), 'token_inactive');
  });

  it('refuses an unknown token: 401 token_inactive', async () => {
    await expectRefused(await call('/rs-introspect', 'not-a-token-it-knows'), 'token_inactive');
  });

  // oidc-provider answers the introspection of its own JWTs with 400 unsupported_token_type: the token is
  // the problem, so the client gets 401, and no misconfiguration is reported.
  it('refuses a JWT access token: 401 token_unsupported', async () => {
    await expectRefused(await call('/rs-introspect', await tokenOf(servers.as, 'read')), 'token_unsupported');
  });

  it('reports no misconfiguration when the server will not introspect a JWT', async () => {
    const errors: IntrospectionError[] = [];
    const resolver = introspectionResolver({
      endpoint: servers.as.introspectionUrl,
      issuer: servers.as.issuer,
      audience: OPAQUE_RESOURCE,
      clientAuthentication: { method: 'client_secret_basic', ...servers.as.resourceServer },
      onError: (error) => errors.push(error),
    });
    const jwt = await tokenOf(servers.as, 'read');
    const outcome = await resolver.resolve(jwt, { request: fakeRequest(), now: Date.now() });
    expect(outcome).toMatchObject({ ok: false, failure: { code: 'token_unsupported' } });
    expect(errors).toEqual([]);
  });

  it('is not where JWTs are verified, nor opaque tokens on the JWT routes', async () => {
    await expectRefused(await call('/rs-stateless-signed', await opaqueToken()), 'token_malformed');
  });
});

describe('/rs-introspect-cache', () => {
  it('answers from its cache until the token is evicted', async () => {
    const accessToken = await opaqueToken();
    const first = await call('/rs-introspect-cache', accessToken);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ route: '/rs-introspect-cache', source: 'introspection' });
    expect((await call('/rs-introspect-cache', accessToken)).status).toBe(200);

    await revoke(servers.as, accessToken);
    await expectRefused(await call('/rs-introspect', accessToken), 'token_inactive');
    const cached = await call('/rs-introspect-cache', accessToken);
    expect(cached.status).toBe(200);
    expect(await cached.json()).toMatchObject({ source: 'introspection', clientId: 'sample-client' });

    const { evicted, cache } = await evict(accessToken);
    expect(evicted).toBe(true);
    // The first call missed; the second and the one after revocation were answered from the cache.
    expect(cache).toMatchObject({ misses: 1, hits: 2, revocations: 1 });
    await expectRefused(await call('/rs-introspect-cache', accessToken), 'token_inactive');
  });
});

describe('POST /admin/evict', () => {
  it('takes the token as JSON too', async () => {
    const response = await fetch(`${servers.apiUrl}/admin/evict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'some-token' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ evicted: true });
  });

  it.each([
    ['no token', ''],
    ['two tokens', 'token=a&token=b'],
    ['an empty token', 'token='],
  ])('refuses a form with %s: 400', async (_name, body) => {
    const response = await fetch(`${servers.apiUrl}/admin/evict`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(400);
  });

  it('answers loopback callers only', async () => {
    const response = await servers.api.inject({
      method: 'POST',
      url: '/admin/evict',
      remoteAddress: '192.0.2.10',
      payload: { token: 'some-token' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('some-token');
  });
});

describe('with discovery instead of an endpoint', () => {
  let discovering: Servers;

  beforeAll(async () => {
    discovering = await startServers(() => ({ endpoint: undefined }));
  });

  afterAll(async () => {
    await discovering?.close();
  });

  it('finds the introspection endpoint in the issuer metadata', async () => {
    const accessToken = await tokenOf(discovering.as, 'read', OPAQUE_RESOURCE);
    const response = await callApi(discovering.apiUrl, '/rs-introspect', accessToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ source: 'introspection', audience: [OPAQUE_RESOURCE] });
  });
});

function fakeRequest(): RsRequest {
  return { method: 'GET', url: 'http://127.0.0.1/rs-introspect', headers: {} };
}
