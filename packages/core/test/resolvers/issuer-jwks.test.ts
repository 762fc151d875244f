import { closedPort, startTestAuthorizationServer, type TestAuthorizationServer } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchHttpClient } from '../../src/http/fetch-http-client.js';
import {
  createResourceServer,
  type DiscoveryError,
  type HttpClient,
  issuerJwks,
  jwtResolver,
  type RemoteJwks,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectConfigError, expectRejected } from '../helpers.js';

const OAUTH_METADATA = '/.well-known/oauth-authorization-server';
const OPENID_METADATA = '/.well-known/openid-configuration';

// Real oidc-providers: one serving RFC 8414 metadata, one answering 404 there like an OpenID-only server.
let both: TestAuthorizationServer;
let openIdOnly: TestAuthorizationServer;
beforeAll(async () => {
  [both, openIdOnly] = await Promise.all([
    startTestAuthorizationServer(),
    startTestAuthorizationServer({ oauthMetadata: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([both.close(), openIdOnly.close()]);
});

const jwtToken = (as: TestAuthorizationServer) => as.issueToken({ resource: as.resources.jwt });
const rsOf = (resolver: ReturnType<typeof jwtResolver>, clock?: () => number) =>
  createResourceServer({ resolver, requireHttps: false, ...(clock ? { clock } : {}) });

/** An HTTP client that counts the requests it sends, by URL. */
function countingClient(): { client: HttpClient; urls: string[] } {
  const inner = fetchHttpClient();
  const urls: string[] = [];
  const send: HttpClient['send'] = (request) => {
    urls.push(request.url);
    return inner.send(request);
  };
  return { urls, client: { send } };
}

describe('jwtResolver({ issuer, audience }) with no key source: keys from the issuer metadata', () => {
  it('reads jwks_uri from RFC 8414 metadata and accepts real tokens, asking for the metadata once', async () => {
    const seen = both.metadataRequests.length;
    const rs = rsOf(jwtResolver({ issuer: both.issuer, audience: both.resources.jwt }));
    const tokens = await Promise.all([jwtToken(both), jwtToken(both), jwtToken(both)]);

    const contexts = await Promise.all(tokens.map((token) => rs.authenticate(bearerRequest(token))));
    for (const result of contexts) expect(expectAccepted(result).issuer).toBe(both.issuer);
    expectAccepted(await rs.authenticate(bearerRequest(await jwtToken(both))));

    expect(both.metadataRequests.slice(seen)).toEqual([OAUTH_METADATA]);
  });

  it('falls back to OpenID Connect discovery when the RFC 8414 URL answers 404', async () => {
    const seen = openIdOnly.metadataRequests.length;
    const rs = rsOf(jwtResolver({ issuer: openIdOnly.issuer, audience: openIdOnly.resources.jwt }));

    expectAccepted(await rs.authenticate(bearerRequest(await jwtToken(openIdOnly))));
    expect(openIdOnly.metadataRequests.slice(seen)).toEqual([OAUTH_METADATA, OPENID_METADATA]);
  });

  it("still refuses another issuer's tokens, signed by keys this set does not hold", async () => {
    const rs = rsOf(jwtResolver({ issuer: both.issuer, audience: both.resources.jwt }));
    expectRejected(await rs.authenticate(bearerRequest(await jwtToken(openIdOnly))), 'unknown_key', 401);
  });

  it('answers 503 keys_unavailable when the metadata names another issuer (no exact match)', async () => {
    const errors: Error[] = [];
    // The same server, configured with a trailing slash its metadata does not have.
    const keys = issuerJwks({ issuer: `${both.issuer}/`, onFetchError: (error) => errors.push(error) });
    const rs = rsOf(jwtResolver({ issuer: `${both.issuer}/`, audience: both.resources.jwt, keys }));

    expectRejected(await rs.authenticate(bearerRequest(await jwtToken(both))), 'keys_unavailable', 503);
    expect(errors.map((error) => (error as DiscoveryError).code)).toEqual(['ERR_RS_DISCOVERY_INVALID']);
    expect(errors[0]!.message).toContain('names issuer');
  });

  it('fails closed while the issuer cannot be reached, and retries with back-off, not per request', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const { client, urls } = countingClient();
    const errors: Error[] = [];
    const keys = issuerJwks({
      issuer,
      httpClient: client,
      retryDelay: 1_000,
      onFetchError: (error) => errors.push(error),
    });
    let now = Date.now();
    const rs = rsOf(jwtResolver({ issuer, audience: both.resources.jwt, keys }), () => now);
    const token = await jwtToken(both);

    expectRejected(await rs.authenticate(bearerRequest(token)), 'keys_unavailable', 503);
    const attempts = urls.length;
    expect(attempts).toBe(1);
    expect((errors[0] as DiscoveryError).code).toBe('ERR_RS_DISCOVERY_UNAVAILABLE');

    // Within the back-off, requests are answered without another attempt.
    now += 500;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'keys_unavailable', 503);
    expect(urls.length).toBe(attempts);

    now += 1_000;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'keys_unavailable', 503);
    expect(urls.length).toBe(attempts + 1);
  });

  it('refuses plain http to a host that is not loopback, and several issuers without keys', () => {
    expectConfigError(() => issuerJwks({ issuer: 'http://as.example.com' }), 'issuerJwks.issuer');
    expectConfigError(
      () => jwtResolver({ issuer: [both.issuer, openIdOnly.issuer], audience: 'x' }),
      'jwtResolver.keys',
    );
    expectConfigError(() => issuerJwks({ issuer: both.issuer, url: 'x' } as never), 'issuerJwks.url');
  });
});

/** What a configuration error says is wrong, without the option's name. */
const problemOf = (error: Error) => error.message.replace(/^@rs: invalid option "[^"]*": /, '');

describe('issuerJwks: fetch settings refused when built, as remoteJwks refuses them', () => {
  it('refuses a fraction of a millisecond for the timeout, and a response limit that is no whole size', () => {
    const issuer = 'https://as.example.com';
    for (const timeout of [0.5, 2 ** 31]) {
      const error = expectConfigError(() => issuerJwks({ issuer, timeout }), 'issuerJwks.timeout');
      expect(error.problem).toBe('must be a number of milliseconds from 1 to 2147483647');
    }
    for (const maxResponseBytes of [0.5, 1, 1e300]) {
      const error = expectConfigError(
        () => issuerJwks({ issuer, maxResponseBytes }),
        'issuerJwks.maxResponseBytes',
      );
      expect(error.problem).toBe('must be an integer from 90 to 16777216');
    }
    expect(() => issuerJwks({ issuer, timeout: 1, maxResponseBytes: 256 * 1024 })).not.toThrow();
  });
});

describe('issuerJwks({ issuer }): an issuer no metadata could name is refused when built', () => {
  it.each([
    ['a trailing line break', (issuer: string) => `${issuer}\n`],
    ['a leading space', (issuer: string) => ` ${issuer}`],
  ])("refuses %s with jwtResolver.issuer's rule and words, before any request", async (_, spoil) => {
    const { client, urls } = countingClient();
    const issuer = spoil(both.issuer);
    const viaKeys = expectConfigError(() => issuerJwks({ issuer, httpClient: client }), 'issuerJwks.issuer');
    const viaResolver = expectConfigError(
      () => jwtResolver({ issuer, audience: both.resources.jwt }),
      'jwtResolver.issuer',
    );
    expect(problemOf(viaKeys)).toBe(problemOf(viaResolver));
    expect(problemOf(viaKeys)).toBe('must not begin or end with white space');
    expect(urls).toEqual([]);
  });

  it.each([
    'https://as.exam\tple.com',
    'https://as.example.com/realms/a b',
    'https://AS.example.com',
    'HTTPS://as.example.com',
    'https://As.Example.com:8443/realms/a',
  ])(
    'refuses %j: white space inside, or an upper-case scheme or host, never equals a stated issuer',
    (issuer) => {
      expectConfigError(() => issuerJwks({ issuer }), 'issuerJwks.issuer');
    },
  );

  it.each([
    'https://as.example.com/',
    'https://as.example.com:8443',
    'https://as.example.com/realms/Alpha',
    'https://as.example.com/tenant/v2.0/',
  ])("accepts %j: paths (in any case), ports and trailing slashes are the server's to choose", (issuer) => {
    expect(() => issuerJwks({ issuer })).not.toThrow();
  });

  it('with the issuer the server states exactly, discovery finds the keys (the control)', async () => {
    const keys = issuerJwks({ issuer: both.issuer });
    const rs = rsOf(jwtResolver({ issuer: both.issuer, audience: both.resources.jwt, keys }));
    expectAccepted(await rs.authenticate(bearerRequest(await jwtToken(both))));
  });
});

describe('preloading, exporting and hydrating a key set (for cold starts)', () => {
  it('preload() discovers and fetches before the first request; export() returns the public set', async () => {
    const { client, urls } = countingClient();
    const keys: RemoteJwks = issuerJwks({ issuer: both.issuer, httpClient: client });
    expect(keys.export()).toBeUndefined();

    await keys.preload();
    const fetched = urls.length;
    expect(fetched).toBe(2); // the metadata, then the set
    const exported = keys.export()!;
    expect(exported.keys.length).toBeGreaterThan(0);
    for (const jwk of exported.keys) expect(jwk).not.toHaveProperty('d');

    const rs = rsOf(jwtResolver({ issuer: both.issuer, audience: both.resources.jwt, keys }));
    expectAccepted(await rs.authenticate(bearerRequest(await jwtToken(both))));
    expect(urls.length).toBe(fetched);
    await keys.preload();
    expect(urls.length).toBe(fetched);
  });

  it('preload() rejects with the reason when the issuer cannot be reached', async () => {
    const keys = issuerJwks({ issuer: `http://127.0.0.1:${await closedPort()}` });
    await expect(keys.preload()).rejects.toMatchObject({ code: 'ERR_RS_DISCOVERY_UNAVAILABLE' });
  });

  it('a hydrated set answers at once; the refresh its first use starts runs in the background', async () => {
    const source = issuerJwks({ issuer: both.issuer });
    await source.preload();
    const saved = JSON.parse(JSON.stringify(source.export()));

    const { client, urls } = countingClient();
    const keys = issuerJwks({ issuer: both.issuer, httpClient: client });
    keys.hydrate(saved);
    const rs = rsOf(jwtResolver({ issuer: both.issuer, audience: both.resources.jwt, keys }));

    expectAccepted(await rs.authenticate(bearerRequest(await jwtToken(both))));
    // The saved set's age cannot be told: that first request started a refresh, and did not wait for it.
    expect(keys.stats().fetches).toBe(1);
    await vi.waitFor(() => expect(urls).toHaveLength(2));
    expect(keys.export()).toEqual(saved);
  });

  it('hydrate() refuses a set without one usable key and keeps what it held', async () => {
    const keys = issuerJwks({ issuer: both.issuer });
    expect(() => keys.hydrate({ keys: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_RS_JWKS_NO_USABLE_KEY' }),
    );
    expect(() => keys.hydrate('nope')).toThrow(expect.objectContaining({ code: 'ERR_RS_JWKS_MALFORMED' }));
    expect(keys.export()).toBeUndefined();
  });
});
