import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, INTROSPECTION_NOT_MOUNTED } from '../src/api.js';
import { call as callApi, RESOURCE, type Servers, startServers, token as tokenOf } from './servers.js';

let servers: Servers;

beforeAll(async () => {
  servers = await startServers();
});

afterAll(async () => {
  await servers?.close();
});

const token = (scope: string) => tokenOf(servers.as, scope);
const call = (path: string, accessToken?: string) => callApi(servers.apiUrl, path, accessToken);

// The last character of a base64url signature may carry unused bits, so flipping it can leave the
// signature intact; the first one is all signature.
function tamper(jwt: string): string {
  const i = jwt.lastIndexOf('.') + 1;
  return jwt.slice(0, i) + (jwt[i] === 'A' ? 'B' : 'A') + jwt.slice(i + 1);
}

describe('the embedded authorization server', () => {
  it('reports the port it actually bound in its issuer', () => {
    expect(servers.as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(servers.as.issuer).not.toMatch(/:0$/);
  });

  it('issues RFC 9068 JWT access tokens signed with ES256', async () => {
    const [header] = (await token('read')).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
    });
  });
});

describe('the sample API', () => {
  it('lists its routes', async () => {
    const response = await call('/');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { routes: { path: string }[] };
    expect(body.routes.map((route) => route.path)).toEqual([
      '/rs-stateless-signed',
      '/rs-stateless-signed-admin',
      '/rs-introspect',
      '/rs-introspect-cache',
      '/rs-stateless-signed-keystore',
      '/rs-stateless-encrypted',
    ]);
  });

  it('answers 200 with what the token says', async () => {
    const response = await call('/rs-stateless-signed', await token('read'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      route: '/rs-stateless-signed',
      source: 'jwt',
      subject: 'sample-client',
      clientId: 'sample-client',
      scopes: ['read'],
      issuer: servers.as.issuer,
      audience: [RESOURCE],
      claims: { iss: servers.as.issuer, aud: RESOURCE, client_id: 'sample-client', scope: 'read' },
    });
    expect(body.expiresAt).toBeTypeOf('number');
  });

  it('refuses a token whose signature was tampered with: 401 invalid_token', async () => {
    const response = await call('/rs-stateless-signed', tamper(await token('read')));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ error: 'invalid_token', code: 'signature_invalid' });
  });

  it('refuses a token without "admin" on the admin route: 403 insufficient_scope', async () => {
    const response = await call('/rs-stateless-signed-admin', await token('read'));
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate');
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="admin"');
  });

  it('accepts a token with "admin" on the admin route', async () => {
    const response = await call('/rs-stateless-signed-admin', await token('read admin'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scopes: ['read', 'admin'] });
  });

  it('answers a request without a token with a bare challenge', async () => {
    const response = await call('/rs-stateless-signed');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="sample"');
  });
});

describe('the sample API without introspection settings', () => {
  it('mounts the JWT and Access Management routes only, and says why', async () => {
    const api = await buildApi({
      issuer: 'https://as.test',
      audience: RESOURCE,
      jwksUrl: 'https://as.test/jwks',
      publicUrl: RESOURCE,
    });
    try {
      const home = await api.inject({ url: '/' });
      expect(home.json()).toEqual({
        routes: [
          expect.objectContaining({ path: '/rs-stateless-signed' }),
          expect.objectContaining({ path: '/rs-stateless-signed-admin' }),
          expect.objectContaining({ path: '/rs-stateless-signed-keystore' }),
          expect.objectContaining({ path: '/rs-stateless-encrypted' }),
        ],
        senderConstrained: [
          expect.objectContaining({ path: '/mtls-certificate' }),
          expect.objectContaining({ path: '/mtls-header' }),
          expect.objectContaining({ path: '/dpop' }),
        ],
        gateway: [
          expect.objectContaining({ path: '/proxy/*' }),
          expect.objectContaining({ path: '/step-up' }),
          expect.objectContaining({ path: '/.well-known/oauth-protected-resource' }),
        ],
        revocation: [
          expect.objectContaining({ method: 'GET', path: '/rs-revocable' }),
          expect.objectContaining({ method: 'POST', path: '/ssf/events' }),
          expect.objectContaining({ method: 'POST', path: '/demo/revoke' }),
        ],
        introspection: INTROSPECTION_NOT_MOUNTED,
      });
      expect((await api.inject({ url: '/rs-introspect' })).statusCode).toBe(404);
      expect(
        (await api.inject({ method: 'POST', url: '/admin/evict', payload: { token: 't' } })).statusCode,
      ).toBe(404);
    } finally {
      await api.close();
    }
  });
});
