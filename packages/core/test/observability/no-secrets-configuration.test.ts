import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  envSecretStore,
  introspectionResolver,
  issuerJwks,
  issuerRouter,
  jwtResolver,
  memoryReplayStore,
  remoteJwks,
  revocationList,
  rotatingDpopNonces,
  securityEventPoller,
  securityEventReceiver,
  sharedSecret,
  sharedSecrets,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { pemSecretStore, pkcs12SecretStore, undiciHttpClient } from '../../src/node/index.js';
import { fixture } from '../secrets-setup.js';
import { everyRendering, leaked } from './no-secrets-search.js';

// Options that cannot work are refused at start-up with an RsConfigError, which goes wherever the
// application sends its errors (a crash report, a log line). When the option at fault holds a secret, or
// sits beside one, no rendering of the error may repeat it: message, String(), stack, JSON, Node's
// inspection with hidden members, and the same for every cause. Each secret below is unique to this file.
const CLIENT_SECRET = 'client-secret-canary-71c4a9e2';
const URL_PASSWORD = 'url-password-canary-3f8d';
const URL_QUERY_KEY = 'url-query-canary-b61e';
const BEARER = 'bearer-canary-0a9c5d';
const HMAC_SECRET = 'hmac-secret-canary-5e2b-0123456789abcdef';
// Punctuated, as passwords are: a password that looks like a name (`changeit`) may be shown as one, a
// documented limit (see shown-in-messages.ts).
const PKCS12_PASSWORD = 'pkcs12#password!canary-9d1';
const PEM_PASSWORD = 'pem-password-canary-44aa';

let ecPrivate: JWK;
let rsaPrivate: JWK;
let pemText: string;
const secrets: string[] = [
  CLIENT_SECRET,
  URL_PASSWORD,
  URL_QUERY_KEY,
  BEARER,
  HMAC_SECRET,
  PKCS12_PASSWORD,
  PEM_PASSWORD,
];

beforeAll(async () => {
  ecPrivate = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  rsaPrivate = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
  pemText = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  // The members that make each key private, and a line of the PEM key's body.
  secrets.push(ecPrivate.d!, rsaPrivate.d!, rsaPrivate.p!, rsaPrivate.q!, rsaPrivate.dp!, rsaPrivate.qi!);
  secrets.push(pemText.split('\n')[1]!);
});

const ENDPOINT = 'https://as.example.com/introspect';
// Typed loosely: the mistakes below are what a type check would let through from configuration read at
// run time (JSON, environment variables).
const basic = (clientSecret: unknown): Record<string, unknown> => ({
  method: 'client_secret_basic',
  clientId: 'rs',
  clientSecret,
});
const introspection = (options: Record<string, unknown>) => () =>
  introspectionResolver({
    endpoint: ENDPOINT,
    clientAuthentication: basic(CLIENT_SECRET),
    acceptAnyAudience: true,
    ...options,
  } as never);
const withCredentials = (url: string) =>
  url.replace('://', `://user:${URL_PASSWORD}@`).concat(`?api_key=${URL_QUERY_KEY}`);

/** Each misconfiguration: what builds it, and the option its error names. */
const MISTAKES: Record<string, [() => unknown, string]> = {
  'an introspection endpoint with a password and a query': [
    introspection({ endpoint: withCredentials(ENDPOINT) }),
    'introspectionResolver.endpoint',
  ],
  'a plain-http introspection endpoint with a password and a query': [
    introspection({ endpoint: withCredentials('http://as.example.com/introspect') }),
    'introspectionResolver.endpoint',
  ],
  'an introspection endpoint that does not parse, holding a secret': [
    introspection({ endpoint: `https://as example.com/${URL_QUERY_KEY}` }),
    'introspectionResolver.endpoint',
  ],
  'an introspection endpoint with a secret as its fragment': [
    introspection({ endpoint: `${ENDPOINT}#${URL_QUERY_KEY}` }),
    'introspectionResolver.endpoint',
  ],
  'a client secret with a trailing line break': [
    introspection({ clientAuthentication: basic(`${CLIENT_SECRET}\n`) }),
    'introspectionResolver.clientAuthentication.clientSecret',
  ],
  'a client secret with a control character': [
    introspection({ clientAuthentication: basic(`${CLIENT_SECRET}\u0000`) }),
    'introspectionResolver.clientAuthentication.clientSecret',
  ],
  'a client secret given with secretRefreshSeconds': [
    introspection({
      clientAuthentication: { ...basic(CLIENT_SECRET), secretRefreshSeconds: 60 },
    }),
    'introspectionResolver.clientAuthentication.secretRefreshSeconds',
  ],
  'a client secret of the wrong type': [
    introspection({ clientAuthentication: basic({ secret: CLIENT_SECRET }) }),
    'introspectionResolver.clientAuthentication.clientSecret.secret',
  ],
  'a stored client secret with a trailing line break': [
    introspection({
      clientAuthentication: basic({
        store: envSecretStore({ env: { CLIENT_SECRET: btoa(`${CLIENT_SECRET}\n`) } }),
        secretId: 'client.secret',
      }),
    }),
    'introspectionResolver.clientAuthentication.clientSecret',
  ],
  'a long client secret given as its ID': [
    introspection({
      clientAuthentication: basic({
        store: envSecretStore({ env: {} }),
        secretId: `${CLIENT_SECRET}${CLIENT_SECRET}`,
      }),
    }),
    'introspectionResolver.clientAuthentication.clientSecret',
  ],
  'an introspection bearer token with a space': [
    introspection({ clientAuthentication: { method: 'bearer', token: `${BEARER} x` } }),
    'introspectionResolver.clientAuthentication.token',
  ],
  'a client assertion key for another algorithm': [
    () =>
      introspectionResolver({
        endpoint: ENDPOINT,
        acceptAnyAudience: true,
        clientAuthentication: {
          method: 'private_key_jwt',
          clientId: 'rs',
          algorithm: 'ES256',
          privateKey: rsaPrivate,
        },
      }),
    'introspectionResolver.clientAuthentication.privateKey',
  ],
  'a client assertion key with a malformed d': [
    () =>
      introspectionResolver({
        endpoint: ENDPOINT,
        acceptAnyAudience: true,
        clientAuthentication: {
          method: 'private_key_jwt',
          clientId: 'rs',
          algorithm: 'ES256',
          privateKey: { ...ecPrivate, d: `${ecPrivate.d}AA` },
        },
      }),
    'introspectionResolver.clientAuthentication.privateKey',
  ],
  'a client assertion key with a kid that has a line break': [
    () =>
      introspectionResolver({
        endpoint: ENDPOINT,
        acceptAnyAudience: true,
        clientAuthentication: {
          method: 'private_key_jwt',
          clientId: 'rs',
          algorithm: 'RS256',
          privateKey: { ...rsaPrivate, kid: 'k1\n' },
        },
      }),
    'introspectionResolver.clientAuthentication.privateKey',
  ],
  'an EC private key published as a public one': [() => staticJwks({ keys: [ecPrivate] }), 'staticJwks'],
  'an RSA private key published as a public one': [() => staticJwks({ keys: [rsaPrivate] }), 'staticJwks'],
  'a short HMAC secret in a JWK set': [
    () => staticJwks({ keys: [{ kty: 'oct', k: btoa(CLIENT_SECRET) }] }),
    'staticJwks',
  ],
  'an RSA private key where decryption keys of a signature algorithm go': [
    () => staticDecryptionKeys({ keys: [{ ...rsaPrivate, alg: 'ES256' }] } as never),
    'staticDecryptionKeys',
  ],
  'a short shared secret': [() => sharedSecret(CLIENT_SECRET), 'sharedSecret'],
  'a shared secret with a trailing line break': [() => sharedSecret(`${HMAC_SECRET}\n`), 'sharedSecret'],
  'a PEM private key as a shared secret': [() => sharedSecret(pemText), 'sharedSecret'],
  "a JWK's JSON as a shared secret": [() => sharedSecret(JSON.stringify(ecPrivate)), 'sharedSecret'],
  'a short DPoP nonce secret': [
    () => rotatingDpopNonces({ secret: CLIENT_SECRET }),
    'rotatingDpopNonces.secret',
  ],
  'a JWK set URL with a password and a query': [
    () => remoteJwks({ url: withCredentials('https://as.example.com/jwks') }),
    'remoteJwks.url',
  ],
  'a plain-http JWK set URL with a query': [
    () => remoteJwks({ url: `http://as.example.com/jwks?api_key=${URL_QUERY_KEY}` }),
    'remoteJwks.url',
  ],
  'a bad option beside a JWK set URL with a password and a query': [
    () => remoteJwks({ url: withCredentials('https://as.example.com/jwks'), timeout: -1 }),
    'remoteJwks.timeout',
  ],
  'an issuer with a password': [
    () => issuerJwks({ issuer: withCredentials('https://as.example.com') }),
    'issuerJwks.issuer',
  ],
  'a router keyed by an issuer with a password and a query': [
    () => issuerRouter({ issuers: { [withCredentials('https://as.example.com/')]: 'no resolver' as never } }),
    `issuerRouter.issuers["https://as.example.com/?…"]`,
  ],
  'a security event poll endpoint with a password and a query': [
    () =>
      securityEventPoller({
        endpoint: withCredentials('https://ssf.example.com/poll'),
        receiver: securityEventReceiver({
          issuer: 'https://ssf.example.com',
          audience: 'https://api.example.com/ssf',
          keys: staticJwks({ keys: [{ kty: 'EC', crv: 'P-256', x: ecPrivate.x, y: ecPrivate.y }] }),
          replayStore: memoryReplayStore(),
          revocations: revocationList(),
        }),
      }),
    'securityEventPoller.endpoint',
  ],
  'a PEM private key where its file goes': [
    () => pemSecretStore({ secrets: { signing: pemText } }),
    'pemSecretStore.secrets',
  ],
  "a JWK's JSON where a PEM file goes": [
    () => pemSecretStore({ secrets: { signing: { file: JSON.stringify(ecPrivate) } } }),
    'pemSecretStore.secrets',
  ],
  'a wrong password of an encrypted PEM key': [
    () =>
      pemSecretStore({
        secrets: { signing: { file: fixture('rsa-signing.encrypted.pem'), password: PEM_PASSWORD } },
      }),
    'pemSecretStore.secrets',
  ],
  'a wrong PKCS#12 store password': [
    () =>
      pkcs12SecretStore({
        file: fixture('openssl.p12'),
        storePassword: PKCS12_PASSWORD,
        mappings: [{ secretId: 'signing', aliases: ['signing'] }],
      }),
    'pkcs12SecretStore.storePassword',
  ],
  'a wrong PKCS#12 entry password': [
    () =>
      pkcs12SecretStore({
        file: fixture('entry-passwords.p12'),
        storePassword: 'store-password',
        entryPasswords: { 'rsa-key': PKCS12_PASSWORD },
        mappings: [{ secretId: 'signing', aliases: ['rsa-key'] }],
      }),
    'pkcs12SecretStore.entryPasswords',
  ],
  'PKCS#12 passwords keyed by the password instead of the alias': [
    () =>
      pkcs12SecretStore({
        file: fixture('entry-passwords.p12'),
        storePassword: 'store-password',
        entryPasswords: { [PKCS12_PASSWORD]: 'rsa-key' },
        mappings: [{ secretId: 'signing', aliases: ['rsa-key'] }],
      }),
    'pkcs12SecretStore.entryPasswords',
  ],
  'a PKCS#12 store password with a trailing line break': [
    () =>
      pkcs12SecretStore({
        file: fixture('openssl.p12'),
        storePassword: `${PKCS12_PASSWORD}\n`,
        mappings: [{ secretId: 'signing', aliases: ['signing'] }],
      }),
    'pkcs12SecretStore.storePassword',
  ],
  'a shared secret of the wrong type beside others': [
    () => sharedSecrets({ signing: HMAC_SECRET, other: 5 as never }),
    'sharedSecrets',
  ],
  'a client private key that is not its certificate’s': [
    () =>
      undiciHttpClient({
        tls: { cert: pemText, key: pemText },
      }),
    'undiciHttpClient.tls.cert',
  ],
  'a client private key alone': [() => undiciHttpClient({ tls: { key: pemText } }), 'undiciHttpClient.tls'],
  'a resource server given a JWT resolver over a private key': [
    () =>
      createResourceServer({
        resolver: jwtResolver({
          issuer: 'https://as.example.com',
          audience: 'https://api.example.com',
          keys: staticJwks({ keys: [{ ...ecPrivate, alg: 'RS256' }] }),
        }),
      }),
    'staticJwks',
  ],
};

describe('an RsConfigError for an option that holds a secret repeats none of it', () => {
  it.each(Object.keys(MISTAKES))('%s', (name) => {
    const [build, option] = MISTAKES[name]!;
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'refused at start-up').toBeInstanceOf(Error);
    expect((thrown as { option?: string }).option ?? (thrown as Error).message).toContain(option);
    expect(leaked(everyRendering(thrown), secrets)).toEqual([]);
  });
});
