import { describe, expect, it } from 'vitest';
import type { ConformanceDriver, ConformanceRoute } from './driver.js';
import { type ConformanceIssuer, conformanceIssuer, conformanceOptions, useConformanceApp } from './setup.js';

const METADATA_URL = 'https://api.conformance.test/.well-known/oauth-protected-resource';

/** Routes demanding a recent, strong login (RFC 9470), beside a plain one. */
const STEP_UP_ROUTES: readonly ConformanceRoute[] = [
  { method: 'GET', path: '/items', policy: { scopes: ['read'] } },
  { method: 'GET', path: '/strong', policy: { scopes: ['read'], acrValues: ['urn:mfa', 'urn:hwk'] } },
  { method: 'GET', path: '/recent', policy: { scopes: ['read'], maxAge: 300 } },
];

/**
 * What the application chooses around the token check, identical through every adapter: its own status,
 * headers and body per failure (the RFC 6750 challenge kept), the RFC 9728 `resource_metadata` in every
 * challenge, and RFC 9470 step-up refusals.
 */
export function failureAnswerCases(driver: ConformanceDriver): void {
  describe('application failure answers, metadata URL and step-up', () => {
    let issuer: ConformanceIssuer;
    const app = useConformanceApp(
      driver,
      async () => {
        issuer = await conformanceIssuer();
        return conformanceOptions(issuer.resolver, {
          protectedResource: { resource: 'https://api.conformance.test' },
          failureResponses: {
            tokenMissing: { status: 418, body: 'Failure in CertificateThumbprintFilter' },
            insufficientScope: (rejection) => ({
              headers: { 'x-denied-by': 'conformance' },
              body: { message: 'not for you', code: rejection.code },
            }),
          },
        });
      },
      undefined,
      STEP_UP_ROUTES,
    );
    const call = async (path: string, claims?: Record<string, unknown>) =>
      app().request({
        method: 'GET',
        path,
        headers: claims === undefined ? {} : { authorization: `Bearer ${await issuer.mint(claims)}` },
      });

    it('sends the chosen status and text body, and keeps the challenge', async () => {
      const response = await call('/items');
      expect(response.status).toBe(418);
      expect(response.body).toBe('Failure in CertificateThumbprintFilter');
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.headers['www-authenticate']).toBe(
        `Bearer realm="conformance", resource_metadata="${METADATA_URL}"`,
      );
    });

    it('sends a computed JSON body and header, with core status and challenge', async () => {
      const response = await call('/items', { scope: 'other' });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ message: 'not for you', code: 'insufficient_scope' });
      expect(response.headers['x-denied-by']).toBe('conformance');
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['www-authenticate']).toContain(
        'error="insufficient_scope", error_description=',
      );
      expect(response.headers['www-authenticate']).toContain(`resource_metadata="${METADATA_URL}"`);
    });

    it('leaves failures without an answer as core built them', async () => {
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: 'Bearer not-a-jwt' },
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token', code: 'token_malformed' });
    });

    it('refuses a login of the wrong class with 401 insufficient_user_authentication and acr_values', async () => {
      const response = await call('/strong', { scope: 'read', acr: 'urn:pwd', auth_time: now() });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({
        error: 'insufficient_user_authentication',
        code: 'insufficient_user_authentication',
      });
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="conformance", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:mfa urn:hwk", resource_metadata="[^"]+"$/,
      );
      expect((await call('/strong', { scope: 'read', acr: 'urn:hwk' })).status).toBe(200);
    });

    it('refuses a login older than max_age, or of unknown age, naming max_age', async () => {
      for (const authTime of [now() - 301, undefined]) {
        const response = await call('/recent', { scope: 'read', auth_time: authTime });
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
        expect(response.headers['www-authenticate']).toContain('max_age="300"');
      }
      expect((await call('/recent', { scope: 'read', auth_time: now() - 10 })).status).toBe(200);
    });
  });
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
