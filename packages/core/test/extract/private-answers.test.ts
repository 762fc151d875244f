import { generateSigningKey, jwksOf } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type RsRequest, staticJwks } from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, ISSUER, mint, NOW_MS } from '../helpers.js';

// A shared cache may store the answer to a GET that carries no Authorization header (RFC 9111 §3.5): with
// the token in the query, a cookie or a header of the API's own, one client's answer would be served to
// the next. Those answers say `private` (RFC 6750 §2.3 asks it for the query); an Authorization header
// keeps shared caches away by itself, and a form body comes with methods whose answers are not stored.
describe('answers to a token sent outside the Authorization header are private', async () => {
  const key = await generateSigningKey('ES256', 'k1');
  const token = await mint(key);
  const rs = createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    clock: () => NOW_MS,
    tokenLocations: { query: true, cookie: 'at', header: 'x-access-token', formBody: true },
  });
  const get = (headers: RsRequest['headers'], url = API_URL): RsRequest => ({ method: 'GET', url, headers });

  it.each([
    ['the query', get({}, `${API_URL}?access_token=${token}`), 'query'],
    ['a cookie', get({ cookie: `theme=dark; at=${token}` }), 'cookie'],
    ['a header of its own', get({ 'x-access-token': token }), 'custom-header'],
  ])('from %s', async (_, request, location) => {
    const result = await rs.authenticate(request);
    expect(expectAccepted(result).location).toBe(location);
    expect(result.ok && result.headers).toEqual({ 'cache-control': 'private' });
  });

  it('not from the Authorization header, nor from a form body', async () => {
    const fromHeader = await rs.authenticate(get({ authorization: `Bearer ${token}` }));
    expect(fromHeader.ok && fromHeader.headers).toEqual({});
    const fromForm = await rs.authenticate({
      method: 'POST',
      url: API_URL,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      form: { access_token: token },
    });
    expect(expectAccepted(fromForm).location).toBe('form-body');
    expect(fromForm.ok && fromForm.headers).toEqual({});
  });
});
