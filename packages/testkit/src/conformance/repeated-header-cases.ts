import { describe, expect, it } from 'vitest';
import { generateDpopKey } from '../dpop-proof.js';
import {
  ANONYMOUS_ECHO,
  CONFORMANCE_ROUTES,
  type ConformanceDriver,
  OPTIONAL_CONFORMANCE_ROUTE,
} from './driver.js';
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
    const optionalRoute = driver.optionalAuthentication === true;
    const app = useConformanceApp(
      driver,
      async () => {
        issuer = await conformanceIssuer();
        // A lite entry has no DPoP: the Authorization case runs without it.
        const dpop = driver.lite ? {} : { dpop: true };
        return { ...conformanceOptions(issuer.resolver, dpop), publicUrl: CONFORMANCE_PUBLIC_URL };
      },
      undefined,
      optionalRoute ? [...CONFORMANCE_ROUTES, OPTIONAL_CONFORMANCE_ROUTE] : CONFORMANCE_ROUTES,
    );

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

    // Authorization is not a list (RFC 9110 §11.6.2): two fields are a malformed request whatever their
    // schemes, whether the platform keeps them apart (Node, REST API) or joins them with a comma (Fetch,
    // HTTP API). Never read as "no token here", which an optional route would let in as anonymous.
    describe.each<[string, readonly string[]]>([
      ['two Basic', ['Basic YTpi', 'Basic YTpj']],
      ['an empty one and Basic', ['', 'Basic YTpi']],
      ['Digest and Negotiate', ['Digest username="a", realm="b, c", nonce="d"', 'Negotiate YIIB']],
    ])('two Authorization headers of other schemes: %s', (_, values) => {
      const paths = optionalRoute ? ['/items', OPTIONAL_CONFORMANCE_ROUTE.path] : ['/items'];
      // Deno's Headers drop a leading empty value when copied (into a Request, or by its fetch), so there
      // the test client cannot send these; its servers are not at fault.
      const clientCannotSend = values[0] === '' && 'Deno' in globalThis;
      it.skipIf(clientCannotSend).each(paths)('are refused on %s with 400 invalid_request', async (path) => {
        const response = await app().request({ method: 'GET', path, headers: { authorization: values } });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({
          error: 'invalid_request',
          error_description: 'More than one Authorization header',
          code: 'malformed_authorization',
        });
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="conformance", error="invalid_request"/,
        );
      });
    });

    // An empty field beside another hides no credentials. Kept apart (Node, REST API) the two are refused
    // as above; joined with a comma (Fetch, HTTP API) they are one field with an empty list element, which
    // a recipient must accept (RFC 9110 §5.6.1.2): no token, as the other field alone. Either answer is
    // right; a token let in, or another refusal, is not.
    describe.each<[string, readonly string[]]>([
      ['two empty', ['', '']],
      ['Basic and an empty one', ['Basic YTpi', '']],
    ])('an empty Authorization header beside another: %s', (_, values) => {
      const paths = optionalRoute ? ['/items', OPTIONAL_CONFORMANCE_ROUTE.path] : ['/items'];
      it.each(paths)('is refused as two fields or answered as no token on %s', async (path) => {
        const response = await app().request({ method: 'GET', path, headers: { authorization: values } });
        if (response.status === 400) {
          expect(response.body).toMatchObject({
            error: 'invalid_request',
            error_description: 'More than one Authorization header',
            code: 'malformed_authorization',
          });
        } else if (path === '/items') {
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ code: 'token_missing' });
          expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="conformance"(, DPoP|$)/);
        } else {
          expect(response.status).toBe(200);
          expect(response.body).toEqual(ANONYMOUS_ECHO);
        }
      });
    });

    it('answers one Authorization header of another scheme with empty list elements as no token', async () => {
      for (const value of ['Digest username="a", realm="b",', 'Digest username="a", , realm="b"']) {
        const response = await app().request({
          method: 'GET',
          path: '/items',
          headers: { authorization: value },
        });
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ code: 'token_missing' });
        expect(response.body).not.toHaveProperty('error');
      }
    });

    it.skipIf(!optionalRoute)(
      'lets one Authorization header of another scheme, commas and all, in anonymously on an optional route',
      async () => {
        for (const value of [
          'Digest username="a", realm="b, c", nonce="d"',
          'Basic YTpi',
          // Empty list elements among the auth-params (RFC 9110 §5.6.1.2: recipients must accept them).
          'Digest username="a", realm="b",',
          'Digest username="a", , realm="b"',
          'Digest username="a", realm="b", ',
        ]) {
          const response = await app().request({
            method: 'GET',
            path: OPTIONAL_CONFORMANCE_ROUTE.path,
            headers: { authorization: value },
          });
          expect(response.status).toBe(200);
          expect(response.body).toEqual(ANONYMOUS_ECHO);
        }
      },
    );

    it.skipIf(driver.lite === true)(
      'answers DPoP and Bearer Authorization headers in the challenge of the first one',
      async () => {
        const key = await generateDpopKey();
        const bound = await issuer.mint({ cnf: { jkt: key.thumbprint } });
        const bearer = await issuer.mint();
        const proof = await key.proof('GET', app().url('/items'), bound);
        const response = await app().request({
          method: 'GET',
          path: '/items',
          headers: { authorization: [`DPoP ${bound}`, `Bearer ${bearer}`], dpop: proof },
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="conformance", DPoP realm="conformance", error="invalid_request", /,
        );
      },
    );

    // RFC 9449 §4.3 makes "not more than one DPoP HTTP request header field" a check of the proof, and
    // §7.1 answers a proof failing one with invalid_dpop_proof.
    it.skipIf(driver.lite === true)(
      'refuses two DPoP proofs with 401 invalid_dpop_proof in the DPoP challenge',
      async () => {
        const key = await generateDpopKey();
        const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
        const url = app().url('/items');
        const proof = await key.proof('GET', url, token);
        for (const proofs of [
          [proof, await key.proof('GET', url, token)],
          [proof, ''],
          [`${proof}, ${proof}`],
        ]) {
          const response = await app().request({
            method: 'GET',
            path: '/items',
            headers: { authorization: `DPoP ${token}`, dpop: proofs },
          });
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'dpop_proof_multiple' });
          expect(response.headers['www-authenticate']).toMatch(/(^|, )DPoP .*error="invalid_dpop_proof"/);
        }
      },
    );
  });
}
