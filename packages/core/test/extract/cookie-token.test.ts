import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER_LENGTH } from '../../src/extract/cookie-token.js';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import {
  API_URL,
  AUDIENCE,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let token: string;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key, { scope: 'read' });
});

const NAME = '__Host-access_token';
const rsOf = (cookie = NAME, authorizationHeader = true) =>
  createResourceServer({ resolver, clock: () => NOW_MS, tokenLocations: { cookie, authorizationHeader } });
const withCookie = (cookie: string | string[], headers: Record<string, string> = {}) => ({
  method: 'GET',
  url: API_URL,
  headers: { cookie, ...headers },
});

describe('a cookie as a token location', () => {
  it('takes the token from the named cookie among others, as a Bearer token located in the cookie', async () => {
    const context = expectAccepted(
      await rsOf().authenticate(withCookie(`theme=dark; ${NAME}=${token}; lang=en`)),
    );
    expect(context).toMatchObject({ subject: 'user-123', location: 'cookie', scheme: 'Bearer' });
  });

  it('reads a quoted value, cookies split over several headers, and tolerates missing spaces', async () => {
    expectAccepted(await rsOf().authenticate(withCookie(`${NAME}="${token}"`)));
    expectAccepted(await rsOf().authenticate(withCookie(['theme=dark', `${NAME}=${token}`])));
    expectAccepted(await rsOf().authenticate(withCookie(`a=b;${NAME}=${token}`)));
  });

  it('compares names exactly: another case or a longer name is another cookie', async () => {
    expectRejected(
      await rsOf().authenticate(withCookie(`${NAME.toLowerCase()}=${token}`)),
      'token_missing',
      401,
    );
    expectRejected(await rsOf().authenticate(withCookie(`x${NAME}=${token}`)), 'token_missing', 401);
    expectRejected(await rsOf().authenticate(withCookie(`${NAME}=`)), 'token_missing', 401);
  });

  it('refuses the cookie twice, a value outside the b64token grammar, and a header past the bound', async () => {
    expectRejected(
      await rsOf().authenticate(withCookie(`${NAME}=${token}; ${NAME}=other`)),
      'multiple_token_methods',
      400,
    );
    expectRejected(await rsOf().authenticate(withCookie(`${NAME}=a b`)), 'malformed_authorization', 400);
    expectRejected(await rsOf().authenticate(withCookie(`${NAME}=a,b`)), 'malformed_authorization', 400);
    const huge = `pad=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH)}; ${NAME}=${token}`;
    expectRejected(await rsOf().authenticate(withCookie(huge)), 'malformed_authorization', 400);
  });

  it('refuses a token in the cookie and the Authorization header at once (one method per request)', async () => {
    const both = withCookie(`${NAME}=${token}`, { authorization: `Bearer ${token}` });
    expectRejected(await rsOf().authenticate(both), 'multiple_token_methods', 400);
  });

  it('keeps DPoP rules: a DPoP-only route refuses the cookie token as a Bearer token', async () => {
    const rs = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      tokenLocations: { cookie: NAME },
      dpop: {},
    });
    const refused = expectRejected(
      await rs.authenticate(withCookie(`${NAME}=${token}`), { requireSenderConstrained: 'dpop' }),
      'sender_constraint_required',
    );
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP /);
  });

  it('refuses a DPoP-bound token presented in a cookie, without its proof', async () => {
    const bound = await mint(key, { scope: 'read', cnf: { jkt: 'x'.repeat(43) } });
    const rs = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      tokenLocations: { cookie: NAME },
      dpop: {},
    });
    const result = await rs.authenticate(withCookie(`${NAME}=${bound}`));
    expect(result.ok).toBe(false);
    expect(result.ok ? 0 : result.rejection.status).toBe(401);
  });

  it('checks the cookie name at start-up', () => {
    expectConfigError(() => rsOf('bad name'), 'tokenLocations.cookie');
    expectConfigError(() => rsOf('a;b'), 'tokenLocations.cookie');
    expect(() => rsOf(NAME, false)).not.toThrow();
  });
});
