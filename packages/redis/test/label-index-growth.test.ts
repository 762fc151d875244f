import { type CachedAnswer, tokenInfoFromClaims } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { labelHash } from '../src/label-hash.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// A member of the revocation index leaves it only by expiring (writes-racing-deletions.test.ts shows why),
// so every revocation of a label scans the members of its answers deleted before, until they expire. What
// bounds that work is their expiry: a label's index holds the answers written within their lifetime (plus
// the 5 s trim margin), never more, however often it is revoked and however long it lives.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

const TRIM_MARGIN_MS = 5_000;

function answerFor(subject: string, jti?: string): CachedAnswer {
  const claims = { iss: 'https://as.example.com', sub: subject, scope: 'read', ...(jti && { jti }) };
  return { info: tokenInfoFromClaims(claims, 'jwt'), usableUntil: Date.now() + 60_000 };
}

const indexKey = (label: string) => `rs:token:index:${labelHash(label)}`;

/** UNLINK commands Redis has run since the last `CONFIG RESETSTAT`. */
async function unlinkCalls(raw: Awaited<ReturnType<StoreFixture['raw']>>): Promise<number> {
  const info = await raw.info('commandstats');
  return Number(/^cmdstat_unlink:calls=(\d+)/m.exec(info)?.[1] ?? 0);
}

describe('the revocation index of a label', () => {
  it('is trimmed of members past their expiry by a revocation, even when nothing has written under it since', async () => {
    const store = await fixture.store({ localMaxEntries: 1 });
    const raw = await fixture.raw();
    await store.set('rs:token:live', answerFor('alice'), 60_000);
    // What the index holds once answers of the label expired a minute ago and no write came since
    // (writes trim): members whose entries Redis has expired, beside the live answer's.
    const expiredAt = Date.now() - 60_000;
    const expired = Array.from({ length: 2_000 }, (_, i) => ({
      score: expiredAt,
      value: `rs:token:expired-${i}`,
    }));
    await raw.zAdd(indexKey('sub:alice'), expired);
    await raw.configResetStat();

    expect(await store.deleteLabelled('sub:alice')).toBe(1);

    // One deletion, for the live answer; its member stays until it expires (a write racing this
    // revocation must stay findable), the expired ones are gone.
    expect(await unlinkCalls(raw)).toBe(1);
    expect(await raw.zRange(indexKey('sub:alice'), 0, -1)).toEqual(['rs:token:live']);
  });

  it('holds, for a long-lived label written and revoked over and over, the answers of one lifetime at most', async () => {
    const store = await fixture.store({ localMaxEntries: 1 });
    const raw = await fixture.raw();
    const lifetimeMs = 20_000;
    const perRound = 50;
    // Rounds a lifetime plus the trim margin and more apart, on the store's clock: each round's answers
    // have expired by the next one's.
    const roundMs = lifetimeMs + TRIM_MARGIN_MS + 5_000;
    const start = Date.now();
    let round = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => start + round * roundMs);
    for (; round < 6; round++) {
      for (let i = 0; i < perRound; i++) {
        await store.set(`rs:token:r${round}-${i}`, answerFor('churner', `r${round}-${i}`), lifetimeMs);
      }
      await raw.configResetStat();
      expect(await store.deleteLabelled('sub:churner')).toBe(perRound);
      // This round's answers only: the members of the answers revoked in earlier rounds expired with them.
      expect(await raw.zCard(indexKey('sub:churner'))).toBe(perRound);
      expect(await unlinkCalls(raw)).toBe(perRound);
    }
  });
});
