// @rs/fetch on Node: a (Request) => Response handler served by node:http through the WHATWG objects.
import assert from 'node:assert/strict';
import { jwtResolver, remoteJwks } from '@rs/core';
import { createFetchResourceServer } from '@rs/fetch';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const rs = createFetchResourceServer({
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
});
const listItems = rs.protect((_request, oauth2) => Response.json({ owner: oauth2.subject }), {
  scopes: ['read'],
});

const accepted = await listItems(
  new Request('https://api.example.com/items', { headers: { authorization: `Bearer ${env('RS_TOKEN')}` } }),
);
assert.equal(accepted.status, 200);
assert.deepEqual(await accepted.json(), { owner: 'alice' });
const refused = await listItems(new Request('https://api.example.com/items'));
assert.equal(refused.status, 401);
assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
console.log(`@rs/fetch on Node ${process.version}: 200 with a token, 401 without`);
