import { describe, expect, it } from 'vitest';
import { generateDpopKey } from '../dpop-proof.js';
import type { ConformanceDriver } from './driver.js';
import {
  CONFORMANCE_PUBLIC_URL,
  type ConformanceIssuer,
  conformanceIssuer,
  conformanceOptions,
  useConformanceApp,
} from './setup.js';

/**
 * A credential header sent twice is refused, whatever the adapter's platform does with repeats: Node
 * keeps only the first Authorization line in `headers`, API Gateway REST APIs the last in `headers`,
 * Fetch and HTTP APIs join them with a comma. Reading any one of them would let a second credential
 * slip past whatever checked the first.
 */
export function repeatedHeaderCases(driver: ConformanceDriver): void {
  describe('repeated credential headers', () => {
    let issuer: ConformanceIssuer;
    const app = useConformanceApp(driver, async () => {
      issuer = await conformanceIssuer();
      // A lite entry has no DPoP: the Authorization case runs without it.
      const dpop = driver.lite ? {} : { dpop: true };
      return { ...conformanceOptions(issuer.resolver, dpop), publicUrl: CONFORMANCE_PUBLIC_URL };
    });

    it('refuses two Authorization headers with 400 invalid_request, even if both carry valid tokens', async () => {
      const [first, second] = [await issuer.mint(), await issuer.mint()];
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: [`Bearer ${first}`, `Bearer ${second}`] },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
    });

    it.skipIf(driver.lite === true)('refuses two DPoP proofs with 400 invalid_request', async () => {
      const key = await generateDpopKey();
      const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
      const url = app().url('/items');
      const proofs = [await key.proof('GET', url, token), await key.proof('GET', url, token)];
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: proofs },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', code: 'dpop_proof_multiple' });
    });
  });
}
