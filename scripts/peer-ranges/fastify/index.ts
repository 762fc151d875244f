// The README's first example (awaited register, route config policies), against a real JWK set.
import { jwtResolver, remoteJwks } from '@rs/core';
import { fastifyResourceServer } from '@rs/fastify';
import Fastify from 'fastify';
import { env, expectDecisions } from './decisions.js';

const app = Fastify();

await app.register(fastifyResourceServer, {
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
});

app.get('/items', { config: { rs: { scopes: ['read'] } } }, async (request) => {
  return { owner: request.oauth2?.subject };
});

app.get('/feed', { config: { rs: 'optional' } }, async (request) => ({ personal: request.oauth2 !== null }));

app.get('/health', { config: { rs: false } }, async () => ({ ok: true }));

const address = await app.listen({ port: 0, host: '127.0.0.1' });
try {
  await expectDecisions((headers) => fetch(`${address}/items`, { headers }));
  const feed = await fetch(`${address}/feed`);
  if (feed.status !== 200) throw new Error(`/feed without a token: ${feed.status}`);
  const health = await fetch(`${address}/health`);
  if (health.status !== 200) throw new Error(`/health: ${health.status}`);
} finally {
  await app.close();
}
