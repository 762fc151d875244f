// The README's first example (routes, protect, protectOptional, app.use), against a real JWK set.
import type { AddressInfo } from 'node:net';
import { jwtResolver, remoteJwks } from '@rs/core';
import { createExpressResourceServer } from '@rs/express';
import express from 'express';
import { env, expectDecisions } from './decisions.js';

const rs = createExpressResourceServer({
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
});

const app = express();

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});

app.get('/items', rs.protect({ scopes: ['read'] }), (req, res) => {
  res.json({ owner: req.oauth2?.subject });
});

app.get('/feed', rs.protectOptional(), (req, res) => {
  res.json({ personal: req.oauth2 !== undefined });
});

app.use(rs.protect());
app.get('/profile', (req, res) => {
  res.json({ subject: req.oauth2?.subject });
});

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
try {
  await expectDecisions((headers) => fetch(`${base}/items`, { headers }));
  const feed = await fetch(`${base}/feed`);
  if (feed.status !== 200) throw new Error(`/feed without a token: ${feed.status}`);
  const profile = await fetch(`${base}/profile`);
  if (profile.status !== 401) throw new Error(`/profile without a token: ${profile.status}`);
} finally {
  server.close();
}
