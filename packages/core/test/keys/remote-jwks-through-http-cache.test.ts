// A JWK set read through an HTTP cache (RFC 9111) between the resource server and the authorization
// server: the runtime's own (a fetch with a cache), a caching dispatcher, a caching forward proxy. The
// cache here is a real one, undici's cache interceptor, in front of a real loopback server that publishes
// its set with a long `Cache-Control: max-age`, as many authorization servers do. Every fetch @rs makes
// is meant to reach the server (to find a rotated key, to drop a withdrawn one): none may be answered
// from a copy the cache holds without asking the server. The set's own `Cache-Control` changes nothing:
// `cacheMaxAge` alone says when it is refreshed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { Agent, interceptors, fetch as undiciFetch } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient } from '../../src/http/fetch-http-client.js';
import { jwtResolver, remoteJwks } from '../../src/index.js';
import {
  AUDIENCE,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { eventually } from '../remote-jwks-setup.js';

const CACHE_MAX_AGE = 60_000;
const LONG_LIVED = { exp: NOW_S + 86_400 };

let current: TestSigningKey;
let next: TestSigningKey;
beforeAll(async () => {
  [current, next] = await Promise.all([
    generateSigningKey('ES256', 'current'),
    generateSigningKey('ES256', 'next'),
  ]);
});

const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
});

/**
 * A loopback server publishing a JWK set, by default cacheable for an hour; counts the requests that
 * reach it.
 */
async function cacheablePublication(document: unknown, cacheControl = 'public, max-age=3600') {
  let published = document;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    request.resume();
    response
      .writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': cacheControl })
      .end(JSON.stringify(published));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    publish: (document: unknown) => {
      published = document;
    },
    get requests() {
      return requests;
    },
  };
}

/** An HTTP client whose requests pass through a real RFC 9111 cache (undici's cache interceptor). */
function throughHttpCache() {
  const agent = new Agent().compose(interceptors.cache());
  closing.push(() => agent.close());
  return fetchHttpClient(((url: string, init: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch);
}

describe('a remote JWK set behind an HTTP cache', () => {
  it('finds a rotated kid: the fetch for it reaches the server, not the cached set', async () => {
    const publication = await cacheablePublication(jwksOf(current));
    const keys = remoteJwks({ url: publication.url, httpClient: throughHttpCache(), minFetchInterval: 0 });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    expectSuccess(await resolveAt(resolver, await mint(current, LONG_LIVED)));

    publication.publish(jwksOf(current, next));
    expectSuccess(await resolveAt(resolver, await mint(next, LONG_LIVED), NOW_MS + 1_000));
    expect(publication.requests).toBe(2);
  });

  it('drops a withdrawn key at the refresh cacheMaxAge asks for, remembered or not', async () => {
    const publication = await cacheablePublication(jwksOf(current, next));
    const keys = remoteJwks({
      url: publication.url,
      httpClient: throughHttpCache(),
      cacheMaxAge: CACHE_MAX_AGE,
    });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, verifiedTokenCache: {} });
    const withdrawn = await mint(current, LONG_LIVED);
    expectSuccess(await resolveAt(resolver, withdrawn));

    publication.publish(jwksOf(next));
    const later = NOW_MS + CACHE_MAX_AGE;
    await resolveAt(resolver, withdrawn, later);
    await eventually(() => expect(keys.health(later)[0]!.lastFetchAt).toBe(later));
    expectFailure(await resolveAt(resolver, withdrawn, later), 'unknown_key');
    expect(publication.requests).toBeGreaterThanOrEqual(2);
  });

  it.each(['no-store', 'max-age=0', 'public, max-age=86400'])(
    'refreshes a set served with Cache-Control: %s after cacheMaxAge, neither sooner nor later',
    async (cacheControl) => {
      const publication = await cacheablePublication(jwksOf(current), cacheControl);
      const keys = remoteJwks({ url: publication.url, cacheMaxAge: CACHE_MAX_AGE, minFetchInterval: 0 });
      const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
      const token = await mint(current, LONG_LIVED);
      for (let elapsed = 0; elapsed < CACHE_MAX_AGE; elapsed += 10_000) {
        expectSuccess(await resolveAt(resolver, token, NOW_MS + elapsed));
      }
      expect(publication.requests).toBe(1);
      expectSuccess(await resolveAt(resolver, token, NOW_MS + CACHE_MAX_AGE));
      await eventually(() =>
        expect(keys.health(NOW_MS + CACHE_MAX_AGE)[0]!.lastFetchAt).toBe(NOW_MS + CACHE_MAX_AGE),
      );
      expect(publication.requests).toBe(2);
    },
  );
});
