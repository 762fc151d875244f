// Express 5 in strict TypeScript (ESM), compiled by tsc with moduleResolution node16 and bundler.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { jwtResolver, type OAuth2Context, remoteJwks } from '@rs/core';
import { createExpressResourceServer } from '@rs/express';
import express, { type Request, type Response } from 'express';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const rs = createExpressResourceServer({
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
  requireHttps: false,
});
const app = express();
app.get('/items', rs.protect({ scopes: ['read'] }), (req: Request, res: Response) => {
  const context: OAuth2Context | undefined = req.oauth2;
  res.json({ owner: context?.subject, scopes: [...(context?.scopes ?? [])] });
});

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
try {
  const accepted = await fetch(url, { headers: { authorization: `Bearer ${env('RS_TOKEN')}` } });
  assert.equal(accepted.status, 200);
  assert.deepEqual(await accepted.json(), { owner: 'alice', scopes: ['read'] });
  const refused = await fetch(url);
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
  console.log(`express 5 (TypeScript ESM, ${process.argv[2]}): 200 with a token, 401 without`);
} finally {
  server.close();
}
