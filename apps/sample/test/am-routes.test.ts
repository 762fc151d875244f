import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AM_CLIENT_ID, AM_ISSUER } from '../src/am-demo-keys.js';
import { type AmTokenOptions, mintAmToken } from '../src/am-tokens.js';
import { call as callApi, type Servers, startServers } from './servers.js';

// The Access Management routes over real HTTP, with tokens from the module the mint command runs.

let servers: Servers;

beforeAll(async () => {
  servers = await startServers();
});

afterAll(async () => {
  await servers?.close();
});

const call = (path: string, accessToken?: string) => callApi(servers.apiUrl, path, accessToken);
const mint = (kind: AmTokenOptions['kind'], extra: Partial<AmTokenOptions> = {}) =>
  mintAmToken({ kind, scopes: ['read'], ...extra });

const ROUTES = [
  ['signed', '/rs-stateless-signed-keystore'],
  ['encrypted', '/rs-stateless-encrypted'],
] as const;

describe('the Access Management routes', () => {
  it.each(ROUTES)('accept a %s AM-shaped access token on %s: 200', async (kind, path) => {
    const response = await call(path, await mint(kind));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      route: path,
      source: 'jwt',
      subject: '(usr!demo)',
      scopes: ['read'],
      issuer: AM_ISSUER,
      audience: [AM_CLIENT_ID],
      claims: { cts: 'OAUTH2_STATELESS_GRANT', tokenName: 'access_token', realm: '/', scope: ['read'] },
    });
    // The tracking IDs reach the context, hence the answer, for audit logs.
    const claims = body.claims as Record<string, unknown>;
    expect(body.trackingId).toBe(claims.auditTrackingId);
    expect(body.tokenId).toBe(claims.jti);
  });

  it.each(ROUTES)('refuse a %s AM refresh token on %s: 401 token_type_invalid', async (kind, path) => {
    const response = await call(path, await mint(kind, { tokenName: 'refresh_token' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({ error: 'invalid_token', code: 'token_type_invalid' });
  });

  it.each(ROUTES)('refuse a %s token without "read" on %s: 403 insufficient_scope', async (kind, path) => {
    const response = await call(path, await mint(kind, { scopes: ['write'] }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuse a token of the other kind: each route knows one key', async () => {
    for (const [path, token] of [
      ['/rs-stateless-signed-keystore', await mint('encrypted')],
      ['/rs-stateless-encrypted', await mint('signed')],
    ] as const) {
      const response = await call(path, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('refuse an expired token: 401 token_expired', async () => {
    const now = Math.floor(Date.now() / 1000) - 7200;
    const response = await call('/rs-stateless-signed-keystore', await mint('signed', { now }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_expired' });
  });

  it('refuse an AM token on the RFC 9068 route', async () => {
    const response = await call('/rs-stateless-signed', await mint('signed'));
    expect(response.status).toBe(401);
  });
});
