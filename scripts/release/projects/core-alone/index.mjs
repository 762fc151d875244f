// @rs/core alone, plain ESM JavaScript: no adapter, no undici, no node-forge.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { MissingPackageError, pkcs12SecretStore, undiciHttpClient } from '@rs/core/node';

const { RS_ISSUER, RS_AUDIENCE, RS_JWKS_URL, RS_TOKEN } = process.env;
const rs = createResourceServer({
  resolver: jwtResolver({
    issuer: RS_ISSUER,
    audience: RS_AUDIENCE,
    keys: remoteJwks({ url: RS_JWKS_URL }),
    profile: 'rfc9068',
  }),
  realm: 'api',
  policy: { scopes: ['read'] },
});
const request = (headers) => ({ method: 'GET', url: 'https://api.example.com/items', headers });

const accepted = await rs.authenticate(request({ authorization: `Bearer ${RS_TOKEN}` }));
assert.equal(accepted.ok, true);
assert.equal(accepted.context.subject, 'alice');
const refused = await rs.authenticate(request({}));
assert.equal(refused.ok, false);
assert.equal(refused.rejection.status, 401);

// The optional peers are not installed: the JWK set came through fetch, and the factories that need
// them say which package to add.
for (const name of ['undici', 'node-forge']) assert.equal(existsSync(`node_modules/${name}`), false, name);
assert.throws(
  () => undiciHttpClient(),
  (error) =>
    error instanceof MissingPackageError &&
    error.code === 'ERR_RS_MISSING_PACKAGE' &&
    error.packageName === 'undici',
);
assert.throws(
  () =>
    pkcs12SecretStore({
      file: 'keystore.p12',
      storePassword: 'changeit',
      mappings: [{ secretId: 'a', aliases: ['a'] }],
    }),
  (error) => error instanceof MissingPackageError && error.packageName === 'node-forge',
);
console.log(
  '@rs/core alone: 200-equivalent (ok) with a token, 401 without; undici and node-forge absent and named when asked for',
);
