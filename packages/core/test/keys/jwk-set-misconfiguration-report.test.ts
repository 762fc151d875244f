import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  JwkSetError,
  jwtResolver,
  type RemoteJwksOptions,
  remoteJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectFailure, mint } from '../helpers.js';

// A server on loopback standing where a JWK set URL may wrongly point: a login page, nothing, the
// discovery document, a set of encryption keys only, an outage; and a good set, for comparison.
let key: TestSigningKey;
let server: Server;
let origin: string;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  server = createServer((request, response) => {
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (request.url) {
      case '/login':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Sign in</p>');
        return;
      case '/.well-known/openid-configuration':
        json(200, { issuer: origin, jwks_uri: `${origin}/jwks` });
        return;
      case '/jwks':
        json(200, jwksOf(key));
        return;
      case '/encryption-keys':
        json(200, { keys: [{ ...key.publicJwk, use: 'enc' }] });
        return;
      case '/busy':
        response.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
        return;
      case '/throttled':
        response.writeHead(429, { 'content-type': 'text/plain' }).end('slow down');
        return;
      default:
        response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Observes what @rs writes to console.error (and keeps it out of the test log); replaces nothing of ours. */
function consoleErrors() {
  return vi.spyOn(console, 'error').mockImplementation(() => undefined);
}

/** A JWT resolver over a remote JWK set at `path` of the loopback server. */
function resolverAt(path: string, options: Partial<RemoteJwksOptions> = {}): AccessTokenResolver {
  const keys = remoteJwks({ url: `${origin}${path}`, retryDelay: 1, maxRetryDelay: 1, ...options });
  return jwtResolver({ issuer: origin, audience: AUDIENCE, keys });
}

/** Resolves `token` at the current (possibly fake) time, so that the set's back-off sees time pass. */
function resolveNow(resolver: AccessTokenResolver, token: string) {
  return resolver.resolve(token, { request: bearerRequest(token), now: Date.now() });
}

describe('a remote JWK set without onFetchError reports a misconfiguration on console.error', () => {
  it.each([
    ['an HTML login page', '/login', /remoteJwks is misconfigured: JWK set http:\S+\/login is not JSON/],
    ['a 404', '/nope', /remoteJwks is misconfigured: JWK set http:\S+\/nope answered HTTP 404/],
    [
      'the OpenID discovery document',
      '/.well-known/openid-configuration',
      /remoteJwks is misconfigured: .*openid-configuration/,
    ],
    ['a set with no signing key', '/encryption-keys', /remoteJwks is misconfigured: .*encryption-keys/],
  ])('when the URL is %s, and still answers keys_unavailable', async (_name, path, said) => {
    const written = consoleErrors();
    const token = await mint(key, { iss: origin });
    const resolver = resolverAt(path);

    for (let i = 0; i < 3; i++) expectFailure(await resolveNow(resolver, token), 'keys_unavailable');

    expect(written).toHaveBeenCalledTimes(1);
    const line = String(written.mock.calls[0]?.[0]);
    expect(line).toMatch(/^@rs: /);
    expect(line).toMatch(said);
    expect(line).not.toContain(token);
  });

  it('writes at most one line a minute for a set, one for each set', async () => {
    const written = consoleErrors();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const token = await mint(key, { iss: origin });
    const resolver = resolverAt('/nope');

    expectFailure(await resolveNow(resolver, token), 'keys_unavailable');
    vi.setSystemTime(new Date('2030-01-01T00:00:30Z'));
    expectFailure(await resolveNow(resolver, token), 'keys_unavailable');
    expect(written).toHaveBeenCalledTimes(1);

    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectFailure(await resolveNow(resolver, token), 'keys_unavailable');
    expect(written).toHaveBeenCalledTimes(2);

    // Another wrong set is its own source: its first failure is written at once.
    expectFailure(await resolveNow(resolverAt('/login'), token), 'keys_unavailable');
    expect(written).toHaveBeenCalledTimes(3);
  });

  it('stays quiet when the server is merely unavailable (5xx, 429), which passes by itself', async () => {
    const written = consoleErrors();
    const token = await mint(key, { iss: origin });
    expectFailure(await resolveNow(resolverAt('/busy'), token), 'keys_unavailable');
    expectFailure(await resolveNow(resolverAt('/throttled'), token), 'keys_unavailable');
    expect(written).not.toHaveBeenCalled();
  });

  it('stays quiet for a good set', async () => {
    const written = consoleErrors();
    const token = await mint(key, { iss: origin });
    const outcome = await resolveNow(resolverAt('/jwks'), token);
    // Keys were had: the token (minted long ago) is judged on its own claims, not refused for keys.
    expect(outcome.ok ? undefined : outcome.failure.code).not.toBe('keys_unavailable');
    expect(written).not.toHaveBeenCalled();
  });

  it('writes nothing once onFetchError is given: the hook replaces the default and is told everything', async () => {
    const written = consoleErrors();
    const token = await mint(key, { iss: origin });
    const told: Error[] = [];
    const resolver = resolverAt('/nope', { onFetchError: (error) => told.push(error) });

    expectFailure(await resolveNow(resolver, token), 'keys_unavailable');

    expect(written).not.toHaveBeenCalled();
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(JwkSetError);
    expect((told[0] as JwkSetError).code).toBe('ERR_RS_JWKS_STATUS');
    // The status, for a hook of your own to tell a wrong URL from an outage as the default does.
    expect((told[0] as JwkSetError).status).toBe(404);
  });
});
