import { jwtResolver, staticJwks } from '@rs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateCases } from './conformance/certificate-cases.js';
import { challengeGrammarCases } from './conformance/challenge-grammar-cases.js';
import { dpopCases } from './conformance/dpop-cases.js';
import type { ConformanceApp, ConformanceDriver } from './conformance/driver.js';
import { CONFORMANCE_ROUTES, OPTIONAL_CONFORMANCE_ROUTE } from './conformance/driver.js';
import { failureAnswerCases } from './conformance/failure-answer-cases.js';
import { formBodyCases } from './conformance/form-body-cases.js';
import { optionalCases } from './conformance/optional-cases.js';
import { repeatedHeaderCases } from './conformance/repeated-header-cases.js';
import { unavailableCases } from './conformance/unavailable-cases.js';
import { generateSigningKey, jwksOf, type TestSigningKey } from './keys.js';
import { mintToken, tamperSignature } from './tokens.js';

export * from './conformance/challenge-grammar.js';
export * from './conformance/driver.js';

const ISSUER = 'https://as.conformance.test';
const AUDIENCE = 'https://api.conformance.test';

/**
 * The adapter conformance suite: the same cases, run through every adapter, so that all of them
 * translate requests and rejections identically: bearer tokens in every location, DPoP proofs, client
 * certificates (from a proxy header, and from the connection where the adapter sees one), repeated
 * credential headers, form bodies that cannot be examined, an authorization server that cannot be
 * asked, and every kind of refusal's challenge read back with a strict RFC 9110 §11 parser.
 */
export function runAdapterConformance(name: string, driver: ConformanceDriver): void {
  describe(`${name} adapter conformance`, () => {
    let key: TestSigningKey;
    let app: ConformanceApp;
    const mint = (claims: Record<string, unknown> = {}) =>
      mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, claims);

    beforeAll(async () => {
      key = await generateSigningKey('ES256');
      app = await driver.start(
        {
          resolver: jwtResolver({
            issuer: ISSUER,
            audience: AUDIENCE,
            keys: staticJwks(jwksOf(key)),
            profile: 'rfc9068',
          }),
          realm: 'conformance',
          requireHttps: false,
          tokenLocations: { authorizationHeader: true, query: true, formBody: true },
        },
        driver.optionalAuthentication
          ? [...CONFORMANCE_ROUTES, OPTIONAL_CONFORMANCE_ROUTE]
          : CONFORMANCE_ROUTES,
      );
    });

    if (driver.optionalAuthentication) optionalCases(() => app, mint, tamperSignature);
    afterAll(async () => {
      await app?.close();
    });

    it('answers a request without a token with 401 and a bare challenge', async () => {
      const response = await app.request({ method: 'GET', path: '/items' });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="conformance"');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({ code: 'token_missing' });
      expect(response.body).not.toHaveProperty('error');
    });

    it('hands the handler the context of a valid token', async () => {
      const token = await mint({ scope: 'read profile', sub: 'alice', client_id: 'app-1' });
      const response = await app.request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        subject: 'alice',
        clientId: 'app-1',
        scopes: ['profile', 'read'],
        location: 'authorization-header',
        scheme: 'Bearer',
      });
    });

    it('accepts the scheme in any case', async () => {
      const token = await mint();
      const response = await app.request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `bEaReR ${token}` },
      });
      expect(response.status).toBe(200);
    });

    it('refuses a tampered token with 401 invalid_token and never echoes it', async () => {
      const token = tamperSignature(await mint());
      const response = await app.request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="conformance", error="invalid_token", error_description="[^"]+"$/,
      );
      expect(response.body).toMatchObject({ error: 'invalid_token', code: 'signature_invalid' });
      const everything = JSON.stringify(response);
      expect(everything).not.toContain(token.split('.')[2]);
      expect(everything).not.toContain(token.split('.')[1]);
    });

    it('refuses an expired token with 401 and says so', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const token = await mint({ iat: past, exp: past + 60 });
      const response = await app.request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token', code: 'token_expired' });
      expect(response.headers['www-authenticate']).toContain('error_description="The access token expired"');
    });

    it('answers a missing scope with 403 insufficient_scope naming the scope', async () => {
      const token = await mint({ scope: 'read' });
      const response = await app.request({
        method: 'POST',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(403);
      expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(response.headers['www-authenticate']).toContain('scope="write"');
      expect(response.body).toMatchObject({ error: 'insufficient_scope', code: 'insufficient_scope' });
    });

    it('applies any-of scope requirements', async () => {
      const admin = await mint({ scope: 'admin' });
      const none = await mint({ scope: 'other' });
      const ok = await app.request({
        method: 'GET',
        path: '/any',
        headers: { authorization: `Bearer ${admin}` },
      });
      const denied = await app.request({
        method: 'GET',
        path: '/any',
        headers: { authorization: `Bearer ${none}` },
      });
      expect(ok.status).toBe(200);
      expect(denied.status).toBe(403);
      expect(denied.headers['www-authenticate']).toContain('scope="admin read"');
    });

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      const response = await app.request({
        method: 'GET',
        path: '/items',
        headers: { authorization: 'Bearer a b' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
      expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
    });

    it('takes a token from the query when enabled, and marks the answer private', async () => {
      const token = await mint();
      const response = await app.request({ method: 'GET', path: `/items?access_token=${token}&x=1` });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ location: 'query' });
      expect(response.headers['cache-control']).toBe('private');
    });

    it('takes a token from a form body when enabled', async () => {
      const token = await mint({ scope: 'write' });
      const response = await app.request({
        method: 'POST',
        path: '/items',
        form: { access_token: token, note: 'x' },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ location: 'form-body', scopes: ['write'] });
    });

    it('refuses a token sent by two methods with 400 invalid_request', async () => {
      const token = await mint();
      const response = await app.request({
        method: 'GET',
        path: `/items?access_token=${token}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', code: 'multiple_token_methods' });
    });

    // A form body larger than an adapter reads for a token (maxFormBodyBytes, 64 KiB by default, where the
    // adapter reads the body itself; the framework's own limit otherwise) may hold a token beside the
    // header's: refused, never decided as if it held none.
    it('refuses a header token beside a form body too large to read for its token with 400', async () => {
      const [inHeader, inBody] = [await mint({ scope: 'write' }), await mint({ scope: 'write' })];
      const response = await app.request({
        method: 'POST',
        path: '/items',
        headers: { authorization: `Bearer ${inHeader}` },
        form: { note: 'x'.repeat(70_000), access_token: inBody },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request' });
      expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
    });

    it('refuses a garbage token with 401, not 500', async () => {
      for (const garbage of ['abc', 'a.b.c', 'a.b.c.d', `${'x'.repeat(20_000)}.y.z`]) {
        const response = await app.request({
          method: 'GET',
          path: '/items',
          headers: { authorization: `Bearer ${garbage}` },
        });
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'invalid_token' });
      }
    });

    if (!driver.lite) {
      dpopCases(driver);
      certificateCases(driver);
    }
    repeatedHeaderCases(driver);
    formBodyCases(driver);
    unavailableCases(driver);
    if (!driver.lite) failureAnswerCases(driver);
    if (!driver.lite) challengeGrammarCases(driver);
  });
}
