import { createConnection, type Socket } from 'node:net';
import { inspect } from 'node:util';
import {
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  type RevocationList,
  revocationList,
  staticJwks,
  tokenCache,
} from '@rs/core';
import { generateDpopKey, generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStoreError, redisReplayStore, redisTokenCacheStore } from '../src/index.js';
import { waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';

// Everything @rs/redis sends to Redis, as Redis's MONITOR reports it to whoever may run it (an operator,
// a managed service's console), and everything it hands the application (errors, health, the stores
// themselves), must hold digests only: no raw token, no DPoP proof, no Redis password, no signing secret,
// no introspection client secret. Against a real redis-server that requires a password.
const REDIS_PASSWORD = 'redis-password-canary-7e3b';
const SIGNING_SECRET = 'signing-secret-canary-5a1c-0123456789abcdef';
const CLIENT_SECRET = 'client-secret-canary-c04d';
const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';

let redis: RedisProcess;
let key: TestSigningKey;
let monitor: Socket;
let monitored = '';

/** One command on a fresh connection, authenticated when the server requires it. */
function command(line: string, password?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(redis.port, '127.0.0.1', () =>
      socket.write(`${password === undefined ? '' : `AUTH ${password}\r\n`}${line}\r\n`),
    );
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.split('\r\n').length > (password === undefined ? 1 : 2)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  redis = await startRedis();
  key = await generateSigningKey('ES256');
  expect(await command(`CONFIG SET requirepass ${REDIS_PASSWORD}`)).toBe('+OK\r\n');
  monitor = createConnection(redis.port, '127.0.0.1', () =>
    monitor.write(`AUTH ${REDIS_PASSWORD}\r\nMONITOR\r\n`),
  );
  monitor.on('data', (chunk: Buffer) => {
    monitored += chunk.toString('latin1');
  });
  await waitFor('MONITOR to start', () => monitored.startsWith('+OK\r\n+OK\r\n'));
});
afterAll(async () => {
  monitor?.destroy();
  await stopAllRedis();
});

/** Which of `secrets` appear in `text`, as written, base64url, base64, hex or percent-encoded. */
function leaked(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    const bytes = Buffer.from(secret);
    for (const spelling of new Set([
      secret,
      bytes.toString('base64url'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('hex'),
      encodeURIComponent(secret),
    ])) {
      // Long values leak by any part: look for a slice from the end (a token's signature).
      if (text.includes(spelling.length > 40 ? spelling.slice(-24) : spelling))
        found.push(`${secret.slice(0, 10)}…`);
    }
  }
  return found;
}

function rendered(value: unknown): string {
  return `${inspect(value, { depth: 10, showHidden: true, getters: true })}\n${JSON.stringify(value) ?? ''}\n${
    value instanceof Error ? value.stack : ''
  }`;
}

describe('what reaches Redis and the application holds no secret', () => {
  it('tokens, proofs, revocations and passwords, through the token cache, revocations and DPoP', async () => {
    const url = `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`;
    const errors: RedisStoreError[] = [];
    const store = redisTokenCacheStore({
      url,
      signingSecret: SIGNING_SECRET,
      onError: (error) => void errors.push(error),
    });
    const replayStore = redisReplayStore({ url, onError: (error) => void errors.push(error) });
    await waitFor('the store to connect', () => store.stats().connected && store.stats().subscribed);
    const revocations: RevocationList = revocationList({ share: store });
    const jwt = tokenCache(
      jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), revocations }),
      { store, revocations },
    );
    const rs = createResourceServer({ resolver: jwt, dpop: { replayStore } });
    // Introspection answers cached in Redis too: the endpoint itself is never reached (nothing listens on
    // port 9); what matters is what the cache keeps and sends of the token.
    const opaque = tokenCache(
      introspectionResolver({
        endpoint: 'http://127.0.0.1:9/introspect',
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: CLIENT_SECRET },
        acceptAnyAudience: true,
        retries: 0,
        onError: () => undefined,
      }),
      { store },
    );
    const introspected = createResourceServer({ resolver: opaque, requireHttps: false });

    const now = Math.floor(Date.now() / 1000);
    const claims = { issuer: ISSUER, audience: AUDIENCE, now };
    const bearer = await mintToken(key, claims, { sub: 'alice', jti: 'jti-1', sid: 'session-1' });
    const other = await mintToken(key, claims, { sub: 'bob' });
    const dpop = await generateDpopKey();
    const bound = await mintToken(key, claims, { sub: 'carol', cnf: { jkt: dpop.thumbprint } });
    const proof = await dpop.proof('GET', 'https://api.example.com/orders', bound);
    const opaqueToken = `opaque-token-canary-${crypto.randomUUID()}`;
    const secrets = [REDIS_PASSWORD, SIGNING_SECRET, CLIENT_SECRET, bearer, other, bound, proof, opaqueToken];
    const request = (authorization: string, extra: Record<string, string> = {}) => ({
      method: 'GET',
      url: 'https://api.example.com/orders',
      headers: { authorization, ...extra },
    });

    for (let twice = 0; twice < 2; twice++) {
      await rs.authenticate(request(`Bearer ${bearer}`));
      await rs.authenticate(request(`Bearer ${other}`));
      await rs.authenticate(request(`DPoP ${bound}`, { dpop: proof }));
      await introspected.authenticate({
        ...request(`Bearer ${opaqueToken}`),
        url: 'http://api.example.com/o',
      });
    }
    await jwt.evict(other);
    await revocations.revoke({ by: 'token', value: bearer });
    await revocations.revoke({ by: 'sid', value: 'session-1' });
    await jwt.revoke({ by: 'token', value: bound });
    await opaque.revoke({ by: 'token', value: opaqueToken });
    await waitFor('the revocations to be published', () => store.stats().publishedEvictions >= 3);
    const held: unknown[] = [
      store,
      replayStore,
      store.stats(),
      await store.health?.(),
      jwt.stats(),
      rs.status(),
    ];
    await store.close();
    await replayStore.close();

    // Connections that fail: a wrong password, and no server at all, both with the password in the URL.
    const failing = [
      redisTokenCacheStore({
        url: `redis://:${REDIS_PASSWORD}x@127.0.0.1:${redis.port}`,
        reconnectMaxDelay: 100,
        onError: (error) => void errors.push(error),
      }),
      redisReplayStore({
        url: `redis://default:${REDIS_PASSWORD}@127.0.0.1:9`,
        reconnectMaxDelay: 100,
        onError: (error) => void errors.push(error),
      }),
    ];
    await waitFor('both to fail', () => errors.length >= 2);
    held.push(...(await Promise.all(failing.map((failed) => failed.health?.()))), ...failing);
    await Promise.all(failing.map((failed) => failed.close()));

    // What the test saw: commands under the token cache's and the replay store's prefixes, and published
    // revocations, so that the search below looked at each of them.
    expect(monitored).toContain('"SET" "rs:token:');
    expect(monitored).toContain('"SET" "rs:dpop:');
    expect(monitored).toMatch(/"(PUBLISH|publish)"/);
    expect(monitored).toContain('"AUTH" "(redacted)"');
    expect(leaked(monitored, secrets)).toEqual([]);
    expect(errors.some((error) => /WRONGPASS|ECONNREFUSED/.test(rendered(error)))).toBe(true);
    expect(leaked(errors.map(rendered).join('\n'), secrets)).toEqual([]);
    expect(leaked(held.map(rendered).join('\n'), secrets)).toEqual([]);
  });
});

describe('an RsConfigError for a Redis option repeats no password or secret', () => {
  const host = '127.0.0.1:6379';
  const mistakes: Record<string, () => unknown> = {
    'a URL with a query': () => redisTokenCacheStore({ url: `redis://:${REDIS_PASSWORD}@${host}?ssl=true` }),
    'a URL with a password in its query': () =>
      redisReplayStore({ url: `redis://${host}?password=${REDIS_PASSWORD}` }),
    'a URL with a fragment': () =>
      redisReplayStore({ url: `redis://:${REDIS_PASSWORD}@${host}#${REDIS_PASSWORD}` }),
    'a URL of another scheme': () => redisTokenCacheStore({ url: `https://user:${REDIS_PASSWORD}@${host}` }),
    'a URL whose path is no database': () =>
      redisTokenCacheStore({ url: `redis://:${REDIS_PASSWORD}@${host}/cache` }),
    'a password that is not valid percent-encoding': () =>
      redisTokenCacheStore({ url: `redis://:${REDIS_PASSWORD}%@${host}` }),
    'a URL without a host': () => redisTokenCacheStore({ url: `redis://:${REDIS_PASSWORD}@` }),
    'a URL beside a client': () =>
      redisTokenCacheStore({ url: `redis://:${REDIS_PASSWORD}@${host}`, client: {} as never }),
    'a cluster node with a port in its host, beside a password': () =>
      redisTokenCacheStore({
        cluster: { rootNodes: [{ host: `:${REDIS_PASSWORD}@cache`, port: 6379 }], password: REDIS_PASSWORD },
      }),
    'a sentinel with an empty name, beside a password': () =>
      redisReplayStore({
        sentinel: {
          name: '',
          sentinelRootNodes: [{ host: 'sentinel', port: 26379 }],
          password: REDIS_PASSWORD,
        },
      }),
    'a short signing secret': () =>
      redisTokenCacheStore({ url: `redis://${host}`, signingSecret: 'short-canary' }),
    'a signing secret with a trailing line break': () =>
      redisTokenCacheStore({ url: `redis://${host}`, signingSecret: `${SIGNING_SECRET}\n` }),
  };
  it.each(Object.keys(mistakes))('%s', (name) => {
    let thrown: unknown;
    try {
      mistakes[name]!();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'refused at start-up').toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('RsConfigError');
    let rendering = '';
    for (let error: unknown = thrown; error instanceof Error; error = error.cause)
      rendering += `${rendered(error)}\n${String(error)}\n${error.message}`;
    expect(leaked(rendering, [REDIS_PASSWORD, SIGNING_SECRET, 'short-canary'])).toEqual([]);
  });
});
