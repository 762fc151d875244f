import { type HeldIntrospectionEndpoint, startHeldIntrospectionEndpoint } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CachedAnswer,
  createResourceServer,
  introspectionResolver,
  memoryTokenCacheStore,
  type TokenCacheStore,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectRejected } from '../helpers.js';

type Deletion = Parameters<Parameters<NonNullable<TokenCacheStore['onDeletedElsewhere']>>[0]>[0];

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('base64url');
}

// A store shared between instances (such as @rs/redis's) tells the token cache of the deletions another
// instance made (`onDeletedElsewhere`): a call this instance began before one must not put back, for
// every instance, the answer the deletion removed. Here the store is an in-process one that the test
// makes "hear" a deletion, as the Redis store does on its pub/sub channel (tested there with real Redis).

/** Yields to the event loop until `condition` holds, five seconds of wall time at most; no fixed sleep. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

/** An in-process store that can be told of a deletion made elsewhere, and records the keys it was asked. */
function storeHearingDeletions() {
  const inner = memoryTokenCacheStore(100);
  const listeners = new Set<(deletion: Deletion) => void>();
  const keysRead: string[] = [];
  const store: TokenCacheStore = {
    get(key) {
      keysRead.push(key);
      return inner.get(key);
    },
    set: (key: string, answer: CachedAnswer, ttlMs: number) => inner.set(key, answer, ttlMs),
    delete: (key: string) => inner.delete(key),
    clear: () => inner.clear(),
    onDeletedElsewhere(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  /** What the store does on hearing another instance's deletion: drops its copy, tells the caches. */
  function hear(deletion: Deletion): void {
    if ('key' in deletion) inner.delete(deletion.key);
    else inner.clear();
    for (const listener of listeners) listener(deletion);
  }
  return { store, hear, keysRead };
}

describe('tokenCache: a deletion another instance made during a call', () => {
  let as: HeldIntrospectionEndpoint;
  beforeAll(async () => {
    as = await startHeldIntrospectionEndpoint((token) => ({
      active: true,
      sub: `sub-${token}`,
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 600,
    }));
  });
  afterAll(() => as.close());

  const deletions: [string, (key: string, token: string) => Deletion | Promise<Deletion>][] = [
    ['of the token', (key) => ({ key })],
    // As @rs/redis announces a revocation by claim: the label's base64url SHA-256, no identifier in clear.
    ['by the subject', async (_key, token) => ({ labelHash: await sha256(`sub:sub-${token}`) })],
    ['of everything (clear, or deletions missed)', () => ({ all: true })],
  ];

  it.each(deletions)(
    '%s: the answer asked for before it is neither kept nor handed out',
    async (name, deleted) => {
      const { store, hear, keysRead } = storeHearingDeletions();
      const resolver = introspectionResolver({
        endpoint: as.endpoint,
        audience: AUDIENCE,
        clientAuthentication: {
          method: 'client_secret_basic',
          clientId: 'rs',
          clientSecret: 's3cret-s3cret',
        },
      });
      const cache = tokenCache(resolver, { store, ttl: 60_000 });
      const rs = createResourceServer({ resolver: cache });
      const token = `token-${name.replace(/\W+/g, '-')}`;
      const before = as.calls;
      as.holding = true;
      const started = rs.authenticate(bearerRequest(token));
      await until(() => as.calls === before + 1);
      const joined = rs.authenticate(bearerRequest(token));
      await until(() => cache.stats().coalesced === 1);

      // Revoked at the authorization server, and deleted by another instance: this one hears of it.
      as.revoked.add(token);
      hear(await deleted(keysRead[0]!, token));
      as.holding = false;
      as.release();

      for (const result of await Promise.all([started, joined])) expectRejected(result, 'token_inactive');
      // One call before the deletion, one after it shared by both requests; the later answer is kept.
      expect(as.calls - before).toBe(2);
      expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
      expect(as.calls - before).toBe(2);
    },
  );
});
