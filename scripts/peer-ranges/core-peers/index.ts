// @rs/core's optional peers, each at the version installed (RS_PEERS names those installed; the others
// must be absent without breaking anything): undici as the default and the explicit HTTP client,
// node-forge under pkcs12SecretStore, @opentelemetry/api under `@rs/core/otel`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Telemetry } from '@rs/core';
import { jwtResolver, remoteJwks } from '@rs/core';
import { MissingPackageError, pkcs12SecretStore, undiciHttpClient } from '@rs/core/node';
import { createFetchResourceServer } from '@rs/fetch';
import { env, expectDecisions } from './decisions.js';

const installed = new Set(env('RS_PEERS').split(',').filter(Boolean));
// Read from the folder: `@opentelemetry/api` does not export its package.json.
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

async function decide(resolverOptions: Partial<Parameters<typeof remoteJwks>[0]>, withTelemetry: boolean) {
  const rs = createFetchResourceServer({
    resolver: jwtResolver({
      issuer: env('RS_ISSUER'),
      audience: env('RS_AUDIENCE'),
      keys: remoteJwks({ url: env('RS_JWKS_URL'), ...resolverOptions }),
      profile: 'rfc9068',
    }),
    realm: 'api',
    ...(withTelemetry ? { telemetry: await otelTelemetry() } : {}),
  });
  const items = rs.protect((_request, oauth2) => Response.json({ owner: oauth2.subject }), {
    scopes: ['read'],
  });
  await expectDecisions((headers) => items(new Request('https://api.example.com/items', { headers })));
}

// Loaded only when its peer is installed: a project without @opentelemetry/api must compile and run.
async function otelTelemetry(): Promise<Telemetry> {
  const module = './otel.js';
  return ((await import(module)) as { telemetry: () => Telemetry }).telemetry();
}

// The default HTTP client: undici's when it is installed, fetch otherwise.
await decide({}, false);

if (installed.has('undici')) {
  const httpClient = undiciHttpClient();
  try {
    await decide({ httpClient }, false);
  } finally {
    await httpClient.close();
  }
  console.log(`undici ${versionOf('undici')}: default and explicit client fetch the JWK set`);
} else {
  assert.throws(() => undiciHttpClient(), MissingPackageError);
}

const keystore = () =>
  pkcs12SecretStore({
    file: 'keystore.p12',
    storePassword: 'password',
    mappings: [{ secretId: 'signature-key', aliases: ['signature-key'] }],
  });
if (installed.has('node-forge')) {
  const store = keystore();
  assert.ok(store.verificationSource?.('signature-key') ?? store.keys?.('signature-key'));
  console.log(`node-forge ${versionOf('node-forge')}: pkcs12SecretStore reads the keystore`);
} else {
  assert.throws(keystore, MissingPackageError);
}

if (installed.has('@opentelemetry/api')) {
  await decide({}, true);
  console.log(`@opentelemetry/api ${versionOf('@opentelemetry/api')}: otel() telemetry on every decision`);
}
