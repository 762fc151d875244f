import {
  type DpopKey,
  generateDpopKey,
  generateSigningKey,
  type JwksServer,
  jwksOf,
  mintToken,
  sendHttp,
  startJwksServer,
  startTestAuthorizationServer,
  type TestAuthorizationServer,
  type TestSigningKey,
  tamperSignature,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeAppKind } from '../../src/entries/app-for.js';
import type { RuntimeName } from './runtime-binaries.js';
import { freePort, type RuntimeProcess, startRuntime } from './runtime-process.js';

const ISSUER = 'https://as.runtime.test';
const AUDIENCE = 'https://api.runtime.test';
/** What `/health` and every echo report as the runtime, per runtime: proof that the child answered. */
const RUNTIME_ECHO: Record<RuntimeName, string> = { bun: 'bun', deno: 'deno', workerd: 'Cloudflare-Workers' };

/**
 * The cases every runtime runs against an app served by it in a child process: JWTs checked with a JWK
 * set the runtime fetches over loopback HTTP, opaque tokens introspected at a real authorization server
 * (oidc-provider), RFC 6750 challenges for 400, 401 and 403, token locations, and DPoP. `pureCore`
 * adds the route that uses @rs/core without an adapter. `lite` (the `fetch-lite` app) runs the JWT cases
 * and, instead of introspection and DPoP, which the lite entries leave out, their refusal of bound tokens.
 * `moduleScope` (workerd only) has the Worker build its app at module scope, as the README examples do,
 * and adds, outside the lite app, the cases of what it builds there and needs the time or randomness
 * later: DPoP nonces with a random secret, and a revocation list.
 */
export function runtimeCases(
  runtime: RuntimeName,
  kind: RuntimeAppKind,
  { pureCore = false, lite = false, moduleScope = false } = {},
): void {
  const built = moduleScope ? ' (built at module scope)' : '';
  describe(`${kind} app on ${runtime}${built}`, () => {
    let key: TestSigningKey;
    let jwks: JwksServer;
    let as: TestAuthorizationServer;
    let app: RuntimeProcess;
    let dpopKey: DpopKey;
    const mint = (claims: Record<string, unknown> = {}) =>
      mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, { sub: 'alice', scope: 'read', ...claims });
    const get = (path: string, headers: Record<string, string> = {}) =>
      sendHttp(app.url, { method: 'GET', path, headers });
    const bearer = async (path: string, claims?: Record<string, unknown>) =>
      get(path, { authorization: `Bearer ${await mint(claims)}` });

    beforeAll(async () => {
      key = await generateSigningKey('ES256');
      dpopKey = await generateDpopKey();
      jwks = await startJwksServer(jwksOf(key));
      as = await startTestAuthorizationServer();
      const port = await freePort();
      app = await startRuntime(
        runtime,
        kind,
        {
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUri: jwks.url,
          introspection: {
            endpoint: as.introspectionEndpoint,
            issuer: as.issuer,
            audience: as.resources.opaque,
            clientId: as.basicClient.clientId,
            clientSecret: as.basicClient.clientSecret,
          },
          publicUrl: `http://127.0.0.1:${port}`,
        },
        port,
        { workerdBuild: moduleScope ? 'module-scope' : 'first-request' },
      );
    });
    afterAll(async () => {
      await app?.close();
      await as?.close();
      await jwks?.close();
    });

    describe('JWT with a JWK set fetched over loopback HTTP', () => {
      it('hands the handler the context of a valid token, fetching the keys from inside the runtime', async () => {
        const before = jwks.requests;
        const response = await bearer('/jwt/items', { scope: 'read profile', client_id: 'app-1' });
        expect(response.status, app.output()).toBe(200);
        expect(response.body).toEqual({
          subject: 'alice',
          clientId: 'app-1',
          scopes: ['profile', 'read'],
          location: 'authorization-header',
          scheme: 'Bearer',
          runtime: RUNTIME_ECHO[runtime],
        });
        expect(jwks.requests).toBeGreaterThanOrEqual(before);
        expect(jwks.requests).toBeGreaterThan(0);
      });

      it('answers a request without a token with 401 and a bare challenge', async () => {
        const response = await get('/jwt/items');
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="runtime"');
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['content-type']).toBe('application/json');
        expect(response.body).toMatchObject({ code: 'token_missing' });
      });

      it('refuses a tampered token with 401 invalid_token and never echoes it', async () => {
        const token = tamperSignature(await mint());
        const response = await get('/jwt/items', { authorization: `Bearer ${token}` });
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="runtime", error="invalid_token", error_description="[^"]+"$/,
        );
        expect(response.body).toMatchObject({ error: 'invalid_token', code: 'signature_invalid' });
        expect(JSON.stringify(response)).not.toContain(token.split('.')[2]);
      });

      it('refuses an expired token with 401', async () => {
        const past = Math.floor(Date.now() / 1000) - 3600;
        const response = await bearer('/jwt/items', { iat: past, exp: past + 60 });
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'invalid_token', code: 'token_expired' });
      });

      it('answers a missing scope with 403 insufficient_scope naming the scope', async () => {
        const token = await mint({ scope: 'read' });
        const response = await sendHttp(app.url, {
          method: 'POST',
          path: '/jwt/items',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(403);
        expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
        expect(response.headers['www-authenticate']).toContain('scope="write"');
      });

      it('applies any-of scope requirements', async () => {
        expect((await bearer('/jwt/any', { scope: 'admin' })).status).toBe(200);
        const denied = await bearer('/jwt/any', { scope: 'other' });
        expect(denied.status).toBe(403);
        expect(denied.headers['www-authenticate']).toContain('scope="admin read"');
      });

      it('answers a malformed Authorization header with 400 invalid_request', async () => {
        const response = await get('/jwt/items', { authorization: 'Bearer a b' });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
      });

      it('takes a token from the query and marks the answer private', async () => {
        const response = await get(`/jwt/items?access_token=${await mint()}`);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ location: 'query' });
        expect(response.headers['cache-control']).toBe('private');
      });

      it('takes a token from a form body', async () => {
        const token = await mint({ scope: 'write' });
        const response = await sendHttp(app.url, {
          method: 'POST',
          path: '/jwt/items',
          form: { access_token: token, note: 'x' },
        });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ location: 'form-body', scopes: ['write'] });
      });

      it('refuses a garbage token with 401, not 500', async () => {
        for (const garbage of ['abc', 'a.b.c', `${'x'.repeat(20_000)}.y.z`]) {
          const response = await get('/jwt/items', { authorization: `Bearer ${garbage}` });
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_token' });
        }
      });

      it('fetches the JWK set again for a key it does not know yet (rotation)', async () => {
        const next = await generateSigningKey('ES256');
        jwks.setDocument(jwksOf(key, next));
        const before = jwks.requests;
        const token = await mintToken(next, { issuer: ISSUER, audience: AUDIENCE }, { scope: 'read' });
        const response = await get('/jwt/items', { authorization: `Bearer ${token}` });
        expect(response.status, app.output()).toBe(200);
        expect(jwks.requests).toBeGreaterThan(before);
      });
    });

    if (lite) {
      describe('what the lite entries leave out, refused', () => {
        it('refuses a DPoP-bound token with 401 invalid_token: no binding is checked, none is ignored', async () => {
          const response = await bearer('/jwt/items', { cnf: { jkt: dpopKey.thumbprint } });
          expect(response.status, app.output()).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_token', code: 'confirmation_unsupported' });
        });

        it('answers a DPoP authorization as a server without dpop: no token, a bare challenge', async () => {
          const response = await get('/jwt/items', { authorization: `DPoP ${await mint()}` });
          expect(response.status).toBe(401);
          expect(response.headers['www-authenticate']).toBe('Bearer realm="runtime"');
        });
      });
    }

    if (!lite) {
      describe('opaque tokens introspected at a real authorization server', () => {
        it('accepts an active token with the context the server reports', async () => {
          const token = await as.issueToken({ scope: 'read' });
          const before = as.introspectionRequests;
          const response = await get('/introspection/items', { authorization: `Bearer ${token}` });
          expect(response.status, app.output()).toBe(200);
          expect(response.body).toMatchObject({ clientId: as.appClient.clientId, scopes: ['read'] });
          expect(as.introspectionRequests - before).toBe(1);
        });

        it('refuses a revoked token with 401 invalid_token', async () => {
          const token = await as.issueToken({ scope: 'read' });
          await as.revoke(token);
          const response = await get('/introspection/items', { authorization: `Bearer ${token}` });
          expect(response.status).toBe(401);
          expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
        });

        it('answers 503 without a challenge when the server fails, and never echoes the token', async () => {
          const token = await as.issueToken({ scope: 'read' });
          as.failIntrospection(503);
          try {
            const response = await get('/introspection/items', { authorization: `Bearer ${token}` });
            expect(response.status).toBe(503);
            expect(response.headers['www-authenticate']).toBeUndefined();
            expect(response.body).toMatchObject({ code: 'introspection_unavailable' });
            expect(JSON.stringify(response)).not.toContain(token);
          } finally {
            as.recover();
          }
        });
      });

      describe('DPoP (RFC 9449)', () => {
        const dpopRequest = async (htuPath: string) => {
          const token = await mint({ cnf: { jkt: dpopKey.thumbprint } });
          const proof = await dpopKey.proof('GET', `${app.url}${htuPath}`, token);
          return { authorization: `DPoP ${token}`, dpop: proof };
        };

        it('accepts a bound token with a fresh proof, and refuses the same proof replayed', async () => {
          const headers = await dpopRequest('/dpop/items');
          const accepted = await get('/dpop/items', headers);
          expect(accepted.status, app.output()).toBe(200);
          expect(accepted.body).toMatchObject({ scheme: 'DPoP' });
          const replayed = await get('/dpop/items', headers);
          expect(replayed.status).toBe(401);
          expect(replayed.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'dpop_replayed' });
          expect(replayed.headers['www-authenticate']).toMatch(/(^|, )DPoP .*error="invalid_dpop_proof"/);
        });

        it('refuses a proof made for another URL', async () => {
          const response = await get('/dpop/items', await dpopRequest('/jwt/items'));
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ code: 'dpop_htu_mismatch' });
        });

        it('refuses a DPoP-bound token presented as a Bearer token', async () => {
          const response = await bearer('/dpop/items', { cnf: { jkt: dpopKey.thumbprint } });
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ code: 'dpop_bound_token_as_bearer' });
        });

        it('challenges a request without a token with both schemes', async () => {
          const response = await get('/dpop/items');
          expect(response.status).toBe(401);
          expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="runtime", DPoP /);
        });
      });
    }

    if (moduleScope && !lite) {
      describe('what a Worker builds at module scope and needs the time or randomness for later', () => {
        it('hands out DPoP nonces from a random secret drawn at the first request, and accepts them back', async () => {
          const token = await mint({ sub: 'dana', cnf: { jkt: dpopKey.thumbprint } });
          const url = `${app.url}/module-scope/items`;
          const proof = (extra?: Record<string, unknown>) => dpopKey.proof('GET', url, token, extra);
          const withoutNonce = await get('/module-scope/items', {
            authorization: `DPoP ${token}`,
            dpop: await proof(),
          });
          expect(withoutNonce.status, app.output()).toBe(401);
          expect(withoutNonce.body).toMatchObject({ error: 'use_dpop_nonce' });
          const nonce = withoutNonce.headers['dpop-nonce'];
          expect(nonce).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
          // The same secret at every later request: the nonce handed out is accepted.
          const withNonce = await get('/module-scope/items', {
            authorization: `DPoP ${token}`,
            dpop: await proof({ nonce }),
          });
          expect(withNonce.status, app.output()).toBe(200);
          expect(withNonce.body).toMatchObject({ subject: 'dana', scheme: 'DPoP' });
        });

        it('dates a revocation at the time of the request: the tokens issued before it are refused', async () => {
          const erins = await mint({ sub: 'erin', iat: Math.floor(Date.now() / 1000) - 10 });
          const accepted = await get('/module-scope/items', { authorization: `Bearer ${erins}` });
          expect(accepted.status, app.output()).toBe(200);
          const revoked = await sendHttp(app.url, {
            method: 'POST',
            path: '/module-scope/revocations',
            form: { value: 'erin' },
          });
          expect(revoked.status, app.output()).toBe(204);
          const refused = await get('/module-scope/items', { authorization: `Bearer ${erins}` });
          expect(refused.status).toBe(401);
          expect(refused.body).toMatchObject({ error: 'invalid_token', code: 'token_revoked' });
          // Another subject's token is untouched.
          expect((await bearer('/module-scope/items', { sub: 'frank' })).status).toBe(200);
        });
      });
    }

    if (pureCore) {
      describe('@rs/core without an adapter', () => {
        it('accepts a valid token and refuses a missing one with a challenge', async () => {
          const accepted = await bearer('/core/items');
          expect(accepted.status, app.output()).toBe(200);
          expect(accepted.body).toMatchObject({ subject: 'alice', runtime: RUNTIME_ECHO[runtime] });
          const refused = await get('/core/items');
          expect(refused.status).toBe(401);
          expect(refused.headers['www-authenticate']).toBe('Bearer realm="runtime"');
        });
      });
    }
  });
}
