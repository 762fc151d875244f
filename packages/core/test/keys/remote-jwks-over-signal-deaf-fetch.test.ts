import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient, jwtResolver, remoteJwks } from '../../src/index.js';
import { AUDIENCE, expectFailure, expectSuccess, ISSUER, mint, NOW_MS, resolveAt } from '../helpers.js';

// A fetch that proxies the runtime's but forwards only the options it knows, as instrumentation written
// before AbortSignal often does: the `signal` of fetchHttpClient's deadline never reaches the exchange.
const signalDeafFetch: typeof fetch = (input, init) =>
  fetch(input, { method: init?.method, headers: init?.headers, body: init?.body, redirect: init?.redirect });

const TIMEOUT = 300;

let key: TestSigningKey;
const servers: JwksServer[] = [];

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'key-a');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** `work`, or `'still waiting'` once `ms` have passed without it settling. */
function within<T>(work: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([work, guard]).finally(() => clearTimeout(timer));
}

describe('remoteJwks over fetchHttpClient with a fetch that ignores its signal', () => {
  it('answers keys_unavailable at the fetch timeout while the endpoint hangs, then recovers', async () => {
    const server = await startJwksServer(jwksOf(key));
    servers.push(server);
    server.hang();
    const errors: Error[] = [];
    const keys = remoteJwks({
      url: server.url,
      timeout: TIMEOUT,
      retryDelay: 1,
      maxRetryDelay: 1,
      httpClient: fetchHttpClient(signalDeafFetch),
      onFetchError: (error) => errors.push(error),
    });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    const token = await mint(key);
    // The tokens' clock, moving with real time: the fetch back-off counts real milliseconds.
    const startedAt = Date.now();
    const now = () => NOW_MS + (Date.now() - startedAt);

    // Without the deadline racing the exchange, this request (and every later one needing the set,
    // which all wait for the same fetch) waited for as long as the endpoint hung.
    const during = await within(resolveAt(resolver, token, now()), TIMEOUT * 20);
    expect(during).not.toBe('still waiting');
    expectFailure(during as Exclude<typeof during, 'still waiting'>, 'keys_unavailable');
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['ERR_RS_HTTP_TIMEOUT']);

    server.recover();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await within(resolveAt(resolver, token, now()), TIMEOUT * 20);
    expect(after).not.toBe('still waiting');
    expectSuccess(after as Exclude<typeof after, 'still waiting'>);
  });
});
