import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessTokenResolver } from '../../src/index.js';
import { issuerRouter, jwtResolver, memoryTokenCacheStore, tokenCache } from '../../src/index.js';
import { expectFailure, expectSuccess, namespaceDigest, resolveAt, withKid } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// Two authorization servers on loopback, each publishing RFC 8414 metadata and a JWK set whose one key is
// named `shared` in both (different keys under one kid), and a third whose metadata names the first one's
// issuer (RFC 8414 §3.3 mix-up). Every resolver finds its keys by discovery (`jwtResolver({ issuer,
// audience })`): what a token valid for one issuer or audience may not become at another.
const AUDIENCE = 'https://api.example.com';
const OTHER_AUDIENCE = 'https://other-api.example.com';

interface Issuer {
  readonly server: StandInServer;
  readonly issuer: string;
  readonly key: TestSigningKey;
}

let a: Issuer;
let b: Issuer;
let mixUp: StandInServer;

async function startIssuer(key: TestSigningKey, statedIssuer?: () => string): Promise<Issuer> {
  const server: StandInServer = await startStandInServer((request) => {
    if (request.path === '/.well-known/oauth-authorization-server')
      return {
        json: {
          issuer: statedIssuer?.() ?? server.origin,
          jwks_uri: `${statedIssuer?.() ?? server.origin}/jwks`,
        },
      };
    if (request.path === '/jwks') return { json: jwksOf(key) };
    return { status: 404, json: {} };
  });
  return { server, issuer: server.origin, key };
}

function mintFor(key: TestSigningKey, issuer: string, audience = AUDIENCE, claims = {}): Promise<string> {
  return mintToken(key, { issuer, audience }, claims);
}

beforeAll(async () => {
  const [keyA, keyB] = await Promise.all([generateSigningKey('ES256'), generateSigningKey('ES256')]);
  a = await startIssuer(withKid(keyA, 'shared'));
  b = await startIssuer(withKid(keyB, 'shared'));
  mixUp = (await startIssuer(withKid(keyB, 'shared'), () => a.issuer)).server;
});
afterAll(async () => {
  await Promise.all([a.server.close(), b.server.close(), mixUp.close()]);
});

function discovering(issuer: string, audience = AUDIENCE, cached = false): AccessTokenResolver {
  return jwtResolver({ issuer, audience, ...(cached ? { verifiedTokenCache: {} } : {}) });
}

const now = () => Date.now();

describe('issuers sharing one deployment, keys found by discovery', () => {
  it('routes each issuer’s tokens to its own keys, even where both sets name their key alike', async () => {
    const router = issuerRouter({
      issuers: {
        [a.issuer]: discovering(a.issuer, AUDIENCE, true),
        [b.issuer]: discovering(b.issuer, AUDIENCE, true),
      },
    });
    const fromA = await mintFor(a.key, a.issuer);
    const fromB = await mintFor(b.key, b.issuer);
    expectSuccess(await resolveAt(router, fromA, now()));
    expectSuccess(await resolveAt(router, fromB, now()));
    // Each issuer's key, remembered by its resolver, verifies nothing claiming the other issuer.
    for (const forged of [await mintFor(a.key, b.issuer), await mintFor(b.key, a.issuer)])
      for (let round = 0; round < 2; round++)
        expectFailure(await resolveAt(router, forged, now()), 'signature_invalid');
  });

  it('refuses a token of a listed issuer spelt otherwise (trailing slash, upper-case scheme, default path)', async () => {
    const router = issuerRouter({ issuers: { [a.issuer]: discovering(a.issuer) } });
    for (const spelling of [`${a.issuer}/`, a.issuer.replace('http:', 'HTTP:'), `${a.issuer}/.`])
      expectFailure(await resolveAt(router, await mintFor(a.key, spelling), now()), 'issuer_mismatch');
  });

  it('answers 503 for an issuer whose metadata names another issuer, and accepts none of its tokens', async () => {
    const resolver = discovering(mixUp.origin);
    for (const token of [await mintFor(b.key, mixUp.origin), await mintFor(a.key, mixUp.origin)])
      expectFailure(await resolveAt(resolver, token, now()), 'keys_unavailable');
  });

  it('keeps two audiences of one issuer apart in one shared token cache store', async () => {
    const forApi = await mintFor(a.key, a.issuer);
    const forOther = await mintFor(a.key, a.issuer, OTHER_AUDIENCE);
    const store = memoryTokenCacheStore(100);
    const api = tokenCache(discovering(a.issuer, AUDIENCE), { store });
    const other = tokenCache(discovering(a.issuer, OTHER_AUDIENCE), { store });
    expectSuccess(await resolveAt(api, forApi, now()));
    expectSuccess(await resolveAt(other, forOther, now()));
    expectFailure(await resolveAt(api, forOther, now()), 'audience_mismatch');
    expectFailure(await resolveAt(other, forApi, now()), 'audience_mismatch');
    // Asked again, each is answered from the store: its own answer, never the other's.
    expectSuccess(await resolveAt(api, forApi, now()));
    expectFailure(await resolveAt(api, forOther, now()), 'audience_mismatch');
    expect(api.stats().hits).toBe(2);
    expect(await namespaceDigest(api)).not.toBe(await namespaceDigest(other));
  });
});
