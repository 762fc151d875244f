import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver, type Outcome, type TokenInfo, tokenCache } from '../../src/index.js';
import { API_URL, ISSUER, NOW_S } from '../helpers.js';

// The introspection resolver refuses a DPoP-bound token whose key the server does not name according to
// how the client presented it (RFC 9449 §7.2): `dpop_bound_token_as_bearer` over Bearer,
// `confirmation_unsupported` over DPoP. A token cache must not hand one client's refusal to the other.

const TOKEN = 'opaque-dpop-bound-token';

/** An introspection endpoint on 127.0.0.1 that holds its answers until `release()`. */
let server: Server;
let endpoint: string;
let received = 0;
const held: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      held.push(() =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ active: true, iss: ISSUER, sub: 'alice', exp: NOW_S + 300, token_type: 'DPoP' }),
          ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

/** Yields to the event loop until `condition` holds, five seconds at most. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

function presentedWith(scheme: 'Bearer' | 'DPoP') {
  return {
    request: { method: 'GET', url: API_URL, headers: { authorization: `${scheme} ${TOKEN}`, dpop: 'proof' } },
    now: NOW_S * 1000,
  };
}

function codeOf(outcome: Outcome<TokenInfo>): string {
  return outcome.ok ? 'accepted' : outcome.failure.code;
}

describe('tokenCache: a call is shared only between requests presenting the token the same way', () => {
  it('gives a DPoP request and a concurrent Bearer request each the refusal of its own scheme', async () => {
    const cache = tokenCache(
      introspectionResolver({
        endpoint,
        issuer: ISSUER,
        acceptAnyAudience: true,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      }),
    );
    const answers = Promise.all([
      cache.resolve(TOKEN, presentedWith('Bearer')),
      cache.resolve(TOKEN, presentedWith('DPoP')),
      cache.resolve(TOKEN, presentedWith('Bearer')),
      cache.resolve(TOKEN, presentedWith('DPoP')),
    ]);
    await until(() => received === 2);
    for (const send of held.splice(0)) send();
    expect((await answers).map(codeOf)).toEqual([
      'dpop_bound_token_as_bearer',
      'confirmation_unsupported',
      'dpop_bound_token_as_bearer',
      'confirmation_unsupported',
    ]);
    expect(cache.stats()).toMatchObject({ misses: 2, coalesced: 2 });
  });
});

describe('tokenCache: a context without its request', () => {
  it('is shared as a bearer presentation rather than failing', async () => {
    let calls = 0;
    const cache = tokenCache({
      cacheNamespace: 'context-without-request',
      resolve: async () => {
        calls++;
        return { ok: false, failure: { code: 'token_inactive', description: 'inactive' } };
      },
    });
    // A caller outside the pipeline (plain JavaScript) may leave `request` out, which the type requires.
    const context = { now: Date.now() } as never;
    const answers = await Promise.all([cache.resolve('t', context), cache.resolve('t', context)]);
    expect(answers.map((answer) => answer.ok)).toEqual([false, false]);
    expect(calls).toBe(1);
  });
});
