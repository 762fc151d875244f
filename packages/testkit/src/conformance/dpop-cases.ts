import { describe, expect, it } from 'vitest';
import { type DpopKey, generateDpopKey } from '../dpop-proof.js';
import type { ConformanceDriver } from './driver.js';
import { type ConformanceIssuer, conformanceIssuer, conformanceOptions, useConformanceApp } from './setup.js';

/** DPoP (RFC 9449): the adapter hands core the `DPoP` header and the URL the proof must name. */
export function dpopCases(driver: ConformanceDriver): void {
  describe('DPoP (RFC 9449)', () => {
    let issuer: ConformanceIssuer;
    let key: DpopKey;
    const app = useConformanceApp(driver, async () => {
      issuer = await conformanceIssuer();
      key = await generateDpopKey();
      // Every adapter requires publicUrl with DPoP: `htu` is never compared with the Host header's URL.
      return {
        ...conformanceOptions(issuer.resolver, { dpop: true }),
        publicUrl: 'https://api.conformance.test',
      };
    });

    it('accepts a bound token with a fresh proof, and refuses the same proof replayed', async () => {
      const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
      const proof = await key.proof('GET', app().url('/items'), token);
      const request = {
        method: 'GET',
        path: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      } as const;

      const accepted = await app().request(request);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ scheme: 'DPoP', location: 'authorization-header' });

      const replayed = await app().request(request);
      expect(replayed.status).toBe(401);
      expect(replayed.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'dpop_replayed' });
      expect(replayed.headers['www-authenticate']).toMatch(/(^|, )DPoP .*error="invalid_dpop_proof"/);
    });

    it('refuses a proof made for another URL', async () => {
      const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
      const proof = await key.proof('GET', app().url('/any'), token);
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'dpop_htu_mismatch' });
    });

    it('refuses a DPoP-bound token presented as a Bearer token', async () => {
      const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token', code: 'dpop_bound_token_as_bearer' });
    });

    it('challenges a request without a token with both schemes', async () => {
      const response = await app().request({ method: 'GET', path: '/items' });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="conformance", DPoP /);
    });
  });
}
