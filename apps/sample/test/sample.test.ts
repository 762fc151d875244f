import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api.js';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';

// Both servers take ephemeral ports, so the API's URL is unknown when the authorization server starts; a
// resource indicator is an identifier, not necessarily a reachable URL.
const RESOURCE = 'https://sample-api.test';

let as: AuthorizationServer;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  as = await startAuthorizationServer({ host: '127.0.0.1', port: 0, resource: RESOURCE });
  api = await buildApi({ issuer: as.issuer, audience: RESOURCE, jwksUrl: as.jwksUrl });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api?.close();
  await as?.close();
});

async function token(scope: string): Promise<string> {
  const response = await fetch(as.tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${as.clientId}:${as.clientSecret}`)}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

function call(path: string, accessToken?: string): Promise<Response> {
  return fetch(apiUrl + path, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {});
}

// The last character of a base64url signature may carry unused bits, so flipping it can leave the
// signature intact; the first one is all signature.
function tamper(jwt: string): string {
  const i = jwt.lastIndexOf('.') + 1;
  return jwt.slice(0, i) + (jwt[i] === 'A' ? 'B' : 'A') + jwt.slice(i + 1);
}

describe('the embedded authorization server', () => {
  it('reports the port it actually bound in its issuer', () => {
    expect(as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(as.issuer).not.toMatch(/:0$/);
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
    ]);
  });

  it('answers 200 with what the token says', async () => {
    const response = await call('/rs-stateless-signed', await token('read'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      route: '/rs-stateless-signed',
      subject: 'sample-client',
      clientId: 'sample-client',
      scopes: ['read'],
      issuer: as.issuer,
      audience: [RESOURCE],
      claims: { iss: as.issuer, aud: RESOURCE, client_id: 'sample-client', scope: 'read' },
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
