import { inspect } from 'node:util';
import { generateSigningKey, type TestSigningKey } from '@rs/testkit';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthResult,
  createResourceServer,
  envSecretStore,
  fetchHttpClient,
  hybridResolver,
  introspectionResolver,
  jwtResolver,
  memoryReplayStore,
  memoryTokenCacheStore,
  type ReplayStore,
  remoteJwks,
  rotatingDpopNonces,
  secretsProvider,
  sharedSecret,
  sharedSecrets,
  staticDecryptionKeys,
  staticJwks,
  type TokenCacheStore,
  tokenCache,
} from '../../src/index.js';
import { pemSecretStore, pkcs12SecretStore, undiciHttpClient } from '../../src/node/index.js';
import { dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { AUDIENCE, bearerRequest, ISSUER, mint, NOW_MS } from '../helpers.js';
import { fixture, fixturePrivateKey } from '../secrets-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';
import { leaked } from './no-secrets-search.js';

// What an application holds and may print: the resource server, its resolvers, stores, HTTP clients and
// DPoP nonces, the context of an accepted request and the rejection of a refused one. A logger that
// inspects deeply (`util.inspect` with hidden members and getters, as `console.dir` can be told to), or
// writes JSON, must find no client secret, private key member, HMAC or nonce secret, URL credentials, raw
// token or DPoP proof in any of them. And what @rs hands the stores the application supplies (a token
// cache's keys and answers, a replay store's keys) holds digests, never a token, a proof or a secret.
const CLIENT_SECRET = 'client-secret-canary-2c9e7d';
const STORED_SECRET = 'stored-client-secret-canary-81aa';
const HMAC_SECRET = 'hmac-secret-canary-0d4f-0123456789abcdef';
const NONCE_SECRET = 'nonce-secret-canary-6b3a-0123456789abcdef';
const BEARER = 'introspection-bearer-canary-e51c';
const API_KEY = 'api-key-canary-a8f0';

let key: TestSigningKey;
let clientKey: JWK;
let decryptionKey: JWK;
let standIn: StandInServer;
const secrets: string[] = [CLIENT_SECRET, STORED_SECRET, HMAC_SECRET, NONCE_SECRET, BEARER, API_KEY];
const undici = undiciHttpClient();

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  clientKey = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  decryptionKey = await exportJWK(
    (await generateKeyPair('ECDH-ES', { extractable: true, crv: 'P-256' })).privateKey,
  );
  secrets.push(clientKey.d!, decryptionKey.d!);
  // The keys of the PEM file and of the keystore, and the passwords that open them.
  for (const file of ['rsa-signing.key.pem', 'keytool-rsa-key.key.pem']) {
    const jwk = fixturePrivateKey(file).export({ format: 'jwk' });
    secrets.push(jwk.d!, jwk.p!, jwk.q!);
  }
  secrets.push('pem-password', 'store-password', 'rsa-entry-password');
  standIn = await startStandInServer((request) => ({
    json: {
      active: request.form.get('token')?.startsWith('active-') === true,
      sub: 'alice',
      scope: 'read',
      exp: Math.floor(Date.now() / 1000) + 60,
    },
  }));
});
afterAll(async () => {
  await undici.close();
  await standIn.close();
});

/** Every way a logger commonly writes an object out. */
function renderings(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch (error) {
    json = String(error);
  }
  return [inspect(value, { depth: 10, showHidden: true, getters: true }), json, String(value)].join('\n');
}

const storedSecrets = () => envSecretStore({ env: { CLIENT_SECRET: btoa(STORED_SECRET) } });

function introspecting(
  clientAuthentication: Parameters<typeof introspectionResolver>[0]['clientAuthentication'],
) {
  return introspectionResolver({
    endpoint: `${standIn.introspectionEndpoint}?api_key=${API_KEY}`,
    clientAuthentication,
    acceptAnyAudience: true,
    httpClient: undici,
  });
}

describe('objects the application holds show no secret', () => {
  it('resolvers, stores, HTTP clients, nonces and resource servers, before and after traffic', async () => {
    const bySecret = introspecting({
      method: 'client_secret_basic',
      clientId: 'rs',
      clientSecret: CLIENT_SECRET,
    });
    const byStoredSecret = introspecting({
      method: 'client_secret_post',
      clientId: 'rs',
      clientSecret: { store: storedSecrets(), secretId: 'client.secret' },
    });
    const byAssertion = introspecting({
      method: 'private_key_jwt',
      clientId: 'rs',
      algorithm: 'ES256',
      privateKey: clientKey,
    });
    const byBearer = introspecting({ method: 'bearer', token: BEARER });
    const hmac = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(HMAC_SECRET) });
    const encrypted = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [key.publicJwk] }),
      decryption: staticDecryptionKeys({ keys: [{ ...decryptionKey, alg: 'ECDH-ES' }] }),
    });
    const nonces = rotatingDpopNonces({ secret: NONCE_SECRET });
    const cached = tokenCache(bySecret, { store: memoryTokenCacheStore() });
    const servers = [
      createResourceServer({ resolver: cached, dpop: { nonces }, requireHttps: false }),
      createResourceServer({
        resolver: hybridResolver({ jwt: hmac, opaque: tokenCache(byStoredSecret) }),
        requireHttps: false,
      }),
      createResourceServer({ resolver: byAssertion, requireHttps: false }),
      createResourceServer({ resolver: byBearer, requireHttps: false }),
      createResourceServer({ resolver: encrypted }),
    ];
    const held: Record<string, unknown> = {
      bySecret,
      byStoredSecret,
      byAssertion,
      byBearer,
      hmac,
      encrypted,
      nonces,
      cached,
      servers,
      sharedSecret: sharedSecret(HMAC_SECRET),
      sharedSecrets: sharedSecrets({ signing: HMAC_SECRET }),
      envSecretStore: storedSecrets(),
      secretsProvider: secretsProvider({ stores: [storedSecrets()] }),
      remoteJwks: remoteJwks({ url: `https://as.example.com/jwks?api_key=${API_KEY}` }),
      undici,
      fetchHttpClient: fetchHttpClient(),
      // Stores holding private keys read from files, the keys read already.
      pemSecretStore: pemSecretStore({
        secrets: { signing: { file: fixture('rsa-signing.encrypted.pem'), password: 'pem-password' } },
      }),
      pkcs12SecretStore: pkcs12SecretStore({
        file: fixture('entry-passwords.p12'),
        storePassword: 'store-password',
        entryPasswords: { 'rsa-key': 'rsa-entry-password' },
        mappings: [{ secretId: 'signing', aliases: ['rsa-key'] }],
      }),
    };
    expect(leaked(renderings(held), secrets)).toEqual([]);

    for (const [index, rs] of servers.entries()) {
      for (const token of [`active-token-canary-${index}`, `inactive-token-canary-${index}`]) {
        secrets.push(token);
        await rs.authenticate(bearerRequest(token, { url: 'http://api.example.com/resource' }));
      }
      held[`status ${index}`] = rs.status();
    }
    expect(leaked(renderings(held), secrets)).toEqual([]);
  });

  it('the result of an accepted request and of a refused one', async () => {
    const dpop = await dpopKey();
    const rs = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks({ keys: [key.publicJwk] }),
      }),
      clock: () => NOW_MS,
      dpop: true,
    });
    const bearer = await mint(key, { scope: 'read' });
    const bound = await mint(key, { scope: 'read', cnf: { jkt: dpop.jkt } });
    const proof = await makeProof(dpop, {}, { token: bound });
    const refused = await mint(key, { scope: 'read', aud: 'https://elsewhere.example.com' });
    secrets.push(bearer, bound, proof, refused, dpop.privateJwk.d as string);
    const results: AuthResult[] = [
      await rs.authenticate(bearerRequest(bearer)),
      await rs.authenticate(dpopRequest(bound, proof)),
      await rs.authenticate(dpopRequest(bound, proof)),
      await rs.authenticate(bearerRequest(refused)),
    ];
    expect(results.map((result) => result.ok)).toEqual([true, true, false, false]);
    // The search finds a token where one is: in the request that carried it.
    expect(leaked(renderings(dpopRequest(bound, proof)), secrets)).not.toEqual([]);
    for (const result of results) {
      expect(leaked(renderings(result), secrets)).toEqual([]);
      if (result.ok) {
        expect(leaked(renderings(result.context), secrets)).toEqual([]);
        expect(leaked(renderings({ ...result.context }), secrets)).toEqual([]);
      } else expect(leaked(renderings(result.rejection), secrets)).toEqual([]);
    }
  });
});

describe('stores the application supplies are handed digests only', () => {
  it('a token cache store and a DPoP replay store', async () => {
    const handed: unknown[] = [];
    const answers = new Map<string, unknown>();
    const store: TokenCacheStore = {
      get: (cacheKey, lookup) => {
        handed.push(cacheKey, lookup);
        return answers.get(cacheKey) as never;
      },
      set: (cacheKey, answer, ttlMs) => {
        handed.push(cacheKey, answer, ttlMs);
        answers.set(cacheKey, answer);
      },
      delete: (cacheKey, deletion) => {
        handed.push(cacheKey, deletion);
        answers.delete(cacheKey);
      },
      clear: () => answers.clear(),
      deleteLabelled: (label, deletion) => {
        handed.push(label, deletion);
        return 0;
      },
    };
    const used = memoryReplayStore();
    const replayStore: ReplayStore = {
      remember: (replayKey, ttlMs) => {
        handed.push(replayKey, ttlMs);
        return used.remember(replayKey, ttlMs);
      },
    };
    const jwt = tokenCache(
      jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks({ keys: [key.publicJwk] }) }),
      { store },
    );
    const opaque = tokenCache(
      introspecting({ method: 'client_secret_basic', clientId: 'rs', clientSecret: CLIENT_SECRET }),
      { store, keyPrefix: 'rs:token:' },
    );
    const rs = createResourceServer({ resolver: jwt, clock: () => NOW_MS, dpop: { replayStore } });
    const introspected = createResourceServer({ resolver: opaque, requireHttps: false });

    const dpop = await dpopKey();
    const bearer = await mint(key, { scope: 'read', jti: 'jti-1', sub: 'alice', sid: 'session-1' });
    const expired = await mint(key, { exp: 1 });
    const bound = await mint(key, { scope: 'read', cnf: { jkt: dpop.jkt } });
    const proof = await makeProof(dpop, {}, { token: bound });
    secrets.push(bearer, expired, bound, proof);
    for (let twice = 0; twice < 2; twice++) {
      await rs.authenticate(bearerRequest(bearer));
      await rs.authenticate(bearerRequest(expired));
      await rs.authenticate(dpopRequest(bound, proof));
    }
    await jwt.evict(bearer);
    await jwt.revoke({ by: 'token', value: bound });
    await jwt.revoke({ by: 'sid', value: 'session-1' });
    for (const token of ['active-opaque-canary-1f', 'inactive-opaque-canary-2e']) {
      secrets.push(token);
      const request = bearerRequest(token, { url: 'http://api.example.com/resource' });
      await introspected.authenticate(request);
      await introspected.authenticate(request);
      await opaque.revoke({ by: 'token', value: token });
    }

    expect(handed.filter((value) => typeof value === 'string').length).toBeGreaterThan(20);
    expect(leaked(renderings(handed), secrets)).toEqual([]);
  });
});
