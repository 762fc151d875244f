// The troubleshooting row of ERR_RS_JWKS_STATUS: "JwkSetError to onFetchError (by default a status no retry
// mends, such as 404, 403 or a permanent redirect, but not a 5xx, 408, 429 or temporary redirect, is
// written to console.error, once a minute at most); last good keys stay"; fix: "check remoteJwks.url".
// Each status of the row is answered by a real loopback server. A redirect arrives here, as a JWK set
// status, not as ERR_RS_HTTP_NETWORK: the client never follows it and hands the status over.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createResourceServer,
  JwkSetError,
  jwtResolver,
  type RemoteJwksOptions,
  remoteJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';

let key: TestSigningKey;
let server: Server;
let origin: string;
// Answers that JWK set URL once the status of the path has been answered: /moved/<status> redirects or
// fails with <status>; /jwks is the set itself; /flaky fails with 500 after its first answer.
let flakyAnswered = false;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'as-1');
  server = createServer((request, response) => {
    request.resume();
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    const moved = /^\/moved\/(\d{3})$/.exec(path);
    if (moved !== null) {
      response.writeHead(Number(moved[1]), { location: '/jwks', 'content-type': 'text/html' }).end('<html>');
    } else if (path === '/flaky' && flakyAnswered) {
      response.writeHead(500).end();
    } else {
      if (path === '/flaky') flakyAnswered = true;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(key)));
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function resourceServerAt(url: string, options: Partial<RemoteJwksOptions> = {}) {
  return createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: remoteJwks({ url, ...options }) }),
    clock: () => NOW_MS,
  });
}

describe('a status no retry mends', () => {
  it.each([404, 403, 401, 301, 308])(
    'HTTP %i: JwkSetError with the status to onFetchError, written to console.error by default; 503',
    async (status) => {
      const url = `${origin}/moved/${status}`;
      const errors: Error[] = [];
      const reported = resourceServerAt(url, { onFetchError: (error) => errors.push(error) });
      const rejection = expectRejected(
        await reported.authenticate(bearerRequest(await mint(key))),
        'keys_unavailable',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(JwkSetError);
      expect(errors[0]).toMatchObject({ code: 'ERR_RS_JWKS_STATUS', status });
      expect(errors[0]?.message).toContain(url);

      const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const quietByDefault = resourceServerAt(url);
      expectRejected(
        await quietByDefault.authenticate(bearerRequest(await mint(key))),
        'keys_unavailable',
        503,
      );
      expect(written).toHaveBeenCalledTimes(1);
      expect(String(written.mock.calls[0]?.[0])).toContain(url);
    },
  );

  it('goes away once remoteJwks.url is the final URL of the set (the documented fix)', async () => {
    expectAccepted(await resourceServerAt(`${origin}/jwks`).authenticate(bearerRequest(await mint(key))));
  });
});

describe('a status that passes by itself', () => {
  it.each([500, 503, 408, 429, 302, 303, 307])(
    'HTTP %i: JwkSetError to onFetchError, nothing written by default',
    async (status) => {
      const url = `${origin}/moved/${status}`;
      const errors: Error[] = [];
      const reported = resourceServerAt(url, { onFetchError: (error) => errors.push(error) });
      expectRejected(await reported.authenticate(bearerRequest(await mint(key))), 'keys_unavailable', 503);
      expect(errors.map((error) => (error as JwkSetError).status)).toEqual([status]);
      expect(errors[0]).toMatchObject({ code: 'ERR_RS_JWKS_STATUS' });

      const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const quietByDefault = resourceServerAt(url);
      expectRejected(
        await quietByDefault.authenticate(bearerRequest(await mint(key))),
        'keys_unavailable',
        503,
      );
      expect(written).not.toHaveBeenCalled();
    },
  );
});

it('keeps the last good keys while the set answers another status', async () => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.setSystemTime(new Date(NOW_MS));
  const errors: Error[] = [];
  const rs = createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: remoteJwks({ url: `${origin}/flaky`, onFetchError: (error) => errors.push(error) }),
    }),
  });
  const token = await mint(key, { exp: NOW_S + 86_400 });
  expectAccepted(await rs.authenticate(bearerRequest(token)));
  // Past cacheMaxAge (10 min): the refresh answers 500, and requests are still answered with the held keys.
  vi.setSystemTime(new Date(NOW_MS + 11 * 60_000));
  expectAccepted(await rs.authenticate(bearerRequest(token)));
  await vi.waitFor(() => expect(errors.map((error) => (error as JwkSetError).status)).toEqual([500]));
  expectAccepted(await rs.authenticate(bearerRequest(token)));
});
