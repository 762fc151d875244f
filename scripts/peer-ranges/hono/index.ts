// The README's first example (protect per route and per group, OAuth2Env), against a real JWK set.
import { jwtResolver, remoteJwks } from '@rs/core';
import { createHonoResourceServer, type OAuth2Env } from '@rs/hono';
import { Hono } from 'hono';
import { env, expectDecisions } from './decisions.js';

const rs = createHonoResourceServer({
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
});

const app = new Hono<OAuth2Env>();

app.get('/items', rs.protect({ scopes: ['read'] }), (c) => c.json({ owner: c.get('oauth2').subject }));

app.use('/admin/*', rs.protect({ scopes: ['admin'] }));
app.delete('/admin/items/:id', (c) => c.json({ deletedBy: c.get('oauth2').subject }));

await expectDecisions(async (headers) => app.request('https://api.example.com/items', { headers }));
const admin = await app.request('https://api.example.com/admin/items/1', {
  method: 'DELETE',
  headers: { authorization: `Bearer ${env('RS_TOKEN')}` },
});
if (admin.status !== 403) throw new Error(`/admin without the admin scope: ${admin.status}`);
