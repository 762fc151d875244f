// A CommonJS project (`"type": "commonjs"`) in strict TypeScript, compiled by tsc twice: `module: node16`
// (the .d.cts declarations, which must not import the ES-module-only jose) and `module: commonjs` with
// `moduleResolution: node10` (no `exports`: the subpaths resolve through `typesVersions`). Every subpath
// is imported; the `@ts-expect-error` lines fail the compile if an options type degrades to `any`.
import { deepEqual, equal, match } from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { jwtResolver, type OAuth2Context, remoteJwks, staticDecryptionKeys, staticJwks } from '@rs/core';
import { DEFAULT_MAX_FORM_BODY_BYTES } from '@rs/core/adapter';
import * as lite from '@rs/core/lite';
import { MissingPackageError } from '@rs/core/node';
import { createExpressResourceServer } from '@rs/express';
import { createFetchResourceServer } from '@rs/fetch';
import { createFetchResourceServer as createLiteFetchResourceServer } from '@rs/fetch/lite';

import express = require('express');

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

/** Never called: what the compiler must refuse, in either resolution mode. */
export function refusedByTheCompiler(): void {
  const resolver = jwtResolver({
    issuer: 'https://as.example.com',
    audience: 'x',
    keys: remoteJwks({ url: '' }),
  });
  const liteResolver = lite.jwtResolver({
    issuer: 'https://as.example.com',
    audience: 'x',
    keys: lite.remoteJwks({ url: '' }),
  });
  // @ts-expect-error not a rejection handling
  createExpressResourceServer({ resolver, onRejection: 'nope' });
  // @ts-expect-error not an option
  createFetchResourceServer({ resolver, notAnOption: 1 });
  // @ts-expect-error not an option of the lite server
  createLiteFetchResourceServer({ resolver: liteResolver, bogus: 1 });
  // @ts-expect-error a JWK set holds `keys` (jose's JSONWebKeySet, as the .d.cts declare it)
  staticJwks({ key: [] });
  // @ts-expect-error a decryption key is a CryptoKey, a JWK set or bytes (jose's CryptoKey type)
  staticDecryptionKeys(['secret']);
  // @ts-expect-error a number
  const limit: string = DEFAULT_MAX_FORM_BODY_BYTES;
  // @ts-expect-error a class
  const missing: string = MissingPackageError;
  void [limit, missing];
}

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
app.get('/items', rs.protect({ scopes: ['read'] }), (req: express.Request, res: express.Response) => {
  const context: OAuth2Context | undefined = req.oauth2;
  res.json({ owner: context?.subject, scopes: [...(context?.scopes ?? [])] });
});

async function main(): Promise<void> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
  try {
    const accepted = await fetch(url, { headers: { authorization: `Bearer ${env('RS_TOKEN')}` } });
    equal(accepted.status, 200);
    deepEqual(await accepted.json(), { owner: 'alice', scopes: ['read'] });
    const refused = await fetch(url);
    equal(refused.status, 401);
    match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
  } finally {
    server.close();
  }
  const liteServer = createLiteFetchResourceServer({
    resolver: lite.jwtResolver({
      issuer: env('RS_ISSUER'),
      audience: env('RS_AUDIENCE'),
      keys: lite.remoteJwks({ url: env('RS_JWKS_URL') }),
    }),
    realm: 'api',
  });
  const handler = liteServer.protect((_request, oauth2) => Response.json({ owner: oauth2.subject }));
  const request = (token?: string) =>
    new Request('https://api.example.com/items', {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  equal((await handler(request(env('RS_TOKEN')))).status, 200);
  equal((await handler(request())).status, 401);
  console.log(
    `CommonJS TypeScript (${process.argv[2]}): express and @rs/fetch/lite, 200 with a token, 401 without`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
