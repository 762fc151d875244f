// Fastify 5 in strict TypeScript (ESM), compiled by tsc.
import assert from 'node:assert/strict';
import { jwtResolver, remoteJwks } from '@rs/core';
import { fastifyResourceServer } from '@rs/fastify';
import Fastify from 'fastify';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const app = Fastify();
await app.register(fastifyResourceServer, {
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
  requireHttps: false,
});
app.get('/items', { config: { rs: { scopes: ['read'] } } }, async (request) => ({
  owner: request.oauth2?.subject,
}));

const address = await app.listen({ port: 0, host: '127.0.0.1' });
try {
  const accepted = await fetch(`${address}/items`, {
    headers: { authorization: `Bearer ${env('RS_TOKEN')}` },
  });
  assert.equal(accepted.status, 200);
  assert.deepEqual(await accepted.json(), { owner: 'alice' });
  const refused = await fetch(`${address}/items`);
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
  console.log(`fastify ${app.version} (TypeScript ESM): 200 with a token, 401 without`);
} finally {
  await app.close();
}
