import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

let key: TestSigningKey;
let token: string;
let rs: ResourceServer;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  token = await mint(key);
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  rs = createResourceServer({ resolver, clock: () => NOW_MS, tokenLocations: { query: true } });
});

// A percent-encoded name decodes to `access_token`: servers and frameworks that decode the query see the
// parameter, so the "one method per request" rule (RFC 6750 §2) must see it too.
describe('a percent-encoded access_token query parameter name', () => {
  it.each(['access%5Ftoken', 'access%5ftoken', '%61ccess_token', '%61%63%63%65%73%73%5F%74%6F%6B%65%6E'])(
    '%s beside an Authorization header: 400 multiple_token_methods',
    async (name) => {
      const rejection = expectRejected(
        await rs.authenticate({
          method: 'GET',
          url: `${API_URL}?${name}=${token}`,
          headers: { authorization: `Bearer ${token}` },
        }),
        'multiple_token_methods',
        400,
      );
      expect(rejection.body.error).toBe('invalid_request');
    },
  );

  it('twice, once encoded: 400 multiple_token_methods', async () => {
    expectRejected(
      await rs.authenticate({
        method: 'GET',
        url: `${API_URL}?access_token=${token}&access%5Ftoken=${token}`,
        headers: {},
      }),
      'multiple_token_methods',
      400,
    );
  });

  it('alone: read as the token, as the decoded query says', async () => {
    const context = expectAccepted(
      await rs.authenticate({ method: 'GET', url: `${API_URL}?access%5Ftoken=${token}`, headers: {} }),
    );
    expect(context.location).toBe('query');
  });
});
