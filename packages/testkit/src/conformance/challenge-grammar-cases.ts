import { FAILURES, type Failure, type FailureCode, rotatingDpopNonces } from '@rs/core';
import { buildRejection } from '@rs/core/adapter';
import { describe, expect, it } from 'vitest';
import { type DpopKey, generateDpopKey } from '../dpop-proof.js';
import { checkOAuthChallengeParams, parseWwwAuthenticate } from './challenge-grammar.js';
import type { ConformanceDriver, ConformanceRequest, ConformanceRoute } from './driver.js';
import {
  CONFORMANCE_PUBLIC_URL,
  type ConformanceIssuer,
  conformanceIssuer,
  conformanceOptions,
  useConformanceApp,
} from './setup.js';

const METADATA_URL = `${CONFORMANCE_PUBLIC_URL}/.well-known/oauth-protected-resource`;
const ERROR_URI = 'https://docs.conformance.test/errors';

const ROUTES: readonly ConformanceRoute[] = [
  { method: 'GET', path: '/items', policy: { scopes: ['read'] } },
  { method: 'POST', path: '/items', policy: { scopes: ['write', 'urn:x:admin'] } },
  { method: 'GET', path: '/strong', policy: { scopes: ['read'], acrValues: ['urn:mfa', 'urn:hwk'] } },
  { method: 'GET', path: '/recent', policy: { scopes: ['read'], maxAge: 300 } },
];

const STATUS_OF_ERROR: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  insufficient_user_authentication: 401,
};

/**
 * Every kind of refusal with every challenge parameter in play (`realm`, `error_uri`,
 * `resource_metadata`, DPoP's `algs`, `scope`, `acr_values`, `max_age`, both schemes), read back with
 * the strict RFC 9110 §11 parser: the value parses, each parameter keeps its RFC 6750 / 9449 / 9470
 * character set and occurs once, the status is the one RFC 6750 §3.1 / RFC 9449 / RFC 9470 give the
 * error, and the header and body are byte for byte the ones core builds for that refusal.
 */
export function challengeGrammarCases(driver: ConformanceDriver): void {
  describe('challenges read with a strict WWW-Authenticate parser', () => {
    let issuer: ConformanceIssuer;
    let key: DpopKey;
    const app = useConformanceApp(
      driver,
      async () => {
        issuer = await conformanceIssuer();
        key = await generateDpopKey();
        return {
          ...conformanceOptions(issuer.resolver, {
            dpop: true,
            errorUri: ERROR_URI,
            protectedResource: { resource: CONFORMANCE_PUBLIC_URL },
          }),
          publicUrl: CONFORMANCE_PUBLIC_URL,
        };
      },
      undefined,
      ROUTES,
    );
    const now = () => Math.floor(Date.now() / 1000);
    const bearer = async (claims: Record<string, unknown>) => ({
      authorization: `Bearer ${await issuer.mint(claims)}`,
    });

    /** Each refusal: the request, and the code and failure members core refuses it with. */
    const cases: {
      readonly title: string;
      readonly code: FailureCode;
      readonly scheme?: 'Bearer' | 'DPoP';
      readonly failure?: Partial<Failure>;
      readonly request: () => Promise<ConformanceRequest>;
    }[] = [
      {
        title: 'no token',
        code: 'token_missing',
        request: async () => ({ method: 'GET', path: '/items' }),
      },
      {
        title: 'a malformed Authorization header',
        code: 'malformed_authorization',
        scheme: 'Bearer',
        request: async () => ({ method: 'GET', path: '/items', headers: { authorization: 'Bearer a b' } }),
      },
      {
        title: 'a token that is no JWT',
        code: 'token_malformed',
        scheme: 'Bearer',
        request: async () => ({ method: 'GET', path: '/items', headers: { authorization: 'Bearer abc' } }),
      },
      {
        title: 'an expired token',
        code: 'token_expired',
        scheme: 'Bearer',
        request: async () => ({
          method: 'GET',
          path: '/items',
          headers: await bearer({ scope: 'read', iat: now() - 3600, exp: now() - 3000 }),
        }),
      },
      {
        title: 'a token without the scopes',
        code: 'insufficient_scope',
        scheme: 'Bearer',
        failure: { requiredScopes: ['write', 'urn:x:admin'] },
        request: async () => ({ method: 'POST', path: '/items', headers: await bearer({ scope: 'read' }) }),
      },
      {
        title: 'a login of the wrong class',
        code: 'insufficient_user_authentication',
        scheme: 'Bearer',
        failure: { acrValues: ['urn:mfa', 'urn:hwk'] },
        request: async () => ({
          method: 'GET',
          path: '/strong',
          headers: await bearer({ scope: 'read', acr: 'urn:pwd', auth_time: now() }),
        }),
      },
      {
        title: 'a login too old',
        code: 'insufficient_user_authentication',
        scheme: 'Bearer',
        failure: { maxAge: 300 },
        request: async () => ({
          method: 'GET',
          path: '/recent',
          headers: await bearer({ scope: 'read', auth_time: now() - 3600 }),
        }),
      },
      {
        title: 'a DPoP-bound token sent as a Bearer token',
        code: 'dpop_bound_token_as_bearer',
        scheme: 'Bearer',
        request: async () => ({
          method: 'GET',
          path: '/items',
          headers: await bearer({ scope: 'read', cnf: { jkt: key.thumbprint } }),
        }),
      },
      {
        title: 'a DPoP token without a proof',
        code: 'dpop_proof_missing',
        scheme: 'DPoP',
        request: async () => {
          const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
          return { method: 'GET', path: '/items', headers: { authorization: `DPoP ${token}` } };
        },
      },
      {
        title: 'a DPoP proof for another URL',
        code: 'dpop_htu_mismatch',
        scheme: 'DPoP',
        request: async () => {
          const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
          const proof = await key.proof('GET', app().url('/strong'), token);
          return { method: 'GET', path: '/items', headers: { authorization: `DPoP ${token}`, dpop: proof } };
        },
      },
      {
        title: 'a DPoP token without the scopes',
        code: 'insufficient_scope',
        scheme: 'DPoP',
        failure: { requiredScopes: ['write', 'urn:x:admin'] },
        request: async () => {
          const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
          const proof = await key.proof('POST', app().url('/items'), token);
          return { method: 'POST', path: '/items', headers: { authorization: `DPoP ${token}`, dpop: proof } };
        },
      },
    ];

    for (const refusal of cases) {
      it(`answers ${refusal.title} as core builds it, in RFC 9110 §11 grammar`, async () => {
        const response = await app().request(await refusal.request());
        const { status, error } = FAILURES[refusal.code];
        expect(response.status).toBe(error === undefined ? 401 : STATUS_OF_ERROR[error]);
        expect(response.status).toBe(status);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['content-type']).toBe('application/json');
        const body = response.body as { error?: string; error_description: string; code: string };
        expect(body.code).toBe(refusal.code);
        expect(body.error).toBe(error);

        const header = response.headers['www-authenticate']!;
        const challenges = parseWwwAuthenticate(header);
        for (const challenge of challenges) checkOAuthChallengeParams(challenge);
        expect(challenges.map((challenge) => challenge.scheme)).toEqual(['Bearer', 'DPoP']);
        const withError = challenges.filter((challenge) => challenge.params.error !== undefined);
        expect(withError.map((challenge) => challenge.params.error)).toEqual(
          error === undefined ? [] : [error],
        );
        for (const challenge of challenges) {
          expect(challenge.params.realm).toBe('conformance');
          expect(challenge.params.resource_metadata).toBe(METADATA_URL);
        }
        const algs = challenges[1]!.params.algs!;

        // The very bytes core builds for this refusal, whichever adapter sent them.
        const built = buildRejection(
          { code: refusal.code, description: body.error_description, ...refusal.failure },
          {
            realm: 'conformance',
            errorUri: ERROR_URI,
            dpopAlgorithms: algs.split(' '),
            resourceMetadata: METADATA_URL,
          },
          { scheme: refusal.scheme },
        );
        expect(header).toBe(built.wwwAuthenticate);
        expect(JSON.stringify(response.body)).toBe(JSON.stringify(built.body));
      });
    }

    describe('with server nonces (RFC 9449 §9)', () => {
      const nonceApp = useConformanceApp(driver, async () => ({
        ...conformanceOptions(issuer.resolver, { dpop: { nonces: rotatingDpopNonces() } }),
        publicUrl: CONFORMANCE_PUBLIC_URL,
      }));

      it('answers a proof without the nonce with 401 use_dpop_nonce in the DPoP challenge and DPoP-Nonce', async () => {
        const token = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
        const proof = await key.proof('GET', nonceApp().url('/items'), token);
        const response = await nonceApp().request({
          method: 'GET',
          path: '/items',
          headers: { authorization: `DPoP ${token}`, dpop: proof },
        });
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'use_dpop_nonce', code: 'dpop_nonce_required' });
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['dpop-nonce']).toMatch(/^[\x21-\x7E]+$/);
        const challenges = parseWwwAuthenticate(response.headers['www-authenticate']!);
        for (const challenge of challenges) checkOAuthChallengeParams(challenge);
        expect(challenges.map((challenge) => [challenge.scheme, challenge.params.error])).toEqual([
          ['Bearer', undefined],
          ['DPoP', 'use_dpop_nonce'],
        ]);
      });
    });
  });
}
