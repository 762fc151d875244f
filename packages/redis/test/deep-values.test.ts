import { type CachedAnswer, tokenInfoFromClaims } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStoreError } from '../src/index.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

const KEY = 'rs:token:api:ZGVlcC12YWx1ZQ';
const SECRET = 'claim-value-that-must-never-be-logged';

/** A value as this store writes it, its claims holding `roles` nested `levels` arrays deep. */
function valueNesting(levels: number): string {
  const head = JSON.stringify({
    v: 1,
    key: KEY,
    usableUntil: 1_900_000_000_000,
    source: 'jwt',
    claims: { sub: SECRET },
  }).slice(0, -2);
  return `${head},"roles":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
}

/** Claims nesting `levels` objects under `nested`, as a JWT's claim set may. */
function claimsNesting(levels: number): Record<string, unknown> {
  let nested: Record<string, unknown> = { role: 'admin' };
  for (let level = 1; level < levels; level++) nested = { nested };
  return { sub: 'alice', exp: 2_000_000_000, nested };
}

describe('a value in Redis nested deep', () => {
  it('is a miss reported as invalid_value, refused before it is parsed, up to maxValueBytes of it', async () => {
    const errors: RedisStoreError[] = [];
    const store = await fixture.store({ maxValueBytes: 1024 * 1024, onError: (error) => errors.push(error) });
    const raw = await fixture.raw();
    const poison = valueNesting(512 * 1024 - 100);
    expect(poison.length).toBeLessThanOrEqual(1024 * 1024);
    await raw.set(KEY, poison, { PX: 60_000 });

    expect(await store.get(KEY)).toBeUndefined();

    expect(store.stats()).toMatchObject({ invalidValues: 1, misses: 1, redisHits: 0, localEntries: 0 });
    expect(errors.map((error) => error.operation)).toEqual(['invalid_value']);
    expect(errors[0]?.message).toContain(
      'refused a value that nests objects and arrays deeper than 64 levels found in Redis',
    );
    expect(errors[0]?.message).not.toContain(SECRET);
  });

  it('is refused from 65 levels, the value’s own object included; 64 are read', async () => {
    const store = await fixture.store();
    const raw = await fixture.raw();
    // The value's object, its claims, then the arrays.
    await raw.set(KEY, valueNesting(63), { PX: 60_000 });
    expect(await store.get(KEY)).toBeUndefined();
    expect(store.stats().invalidValues).toBe(1);

    await raw.set(KEY, valueNesting(62), { PX: 60_000 });
    expect((await store.get(KEY))?.info?.claims.sub).toBe(SECRET);
    expect(store.stats().invalidValues).toBe(1);
  });

  it('leaves room for the answers instances write: claims as deep as an introspection answer may be', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const answer: CachedAnswer = {
      // 32 levels, the deepest introspection answer @rs/core accepts: its object, then 31 below it.
      info: tokenInfoFromClaims({ active: true, ...claimsNesting(31) }, 'introspection'),
      usableUntil: 1_900_000_000_000,
    };
    await writer.set(KEY, answer, 60_000);

    expect(await reader.get(KEY)).toEqual(answer);
    expect(reader.stats()).toMatchObject({ redisHits: 1, invalidValues: 0 });
  });

  it('does not count brackets inside strings', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const answer: CachedAnswer = {
      info: tokenInfoFromClaims(
        { sub: 'alice', exp: 2_000_000_000, note: `${'['.repeat(100)}\\"{${'{'.repeat(100)}` },
        'jwt',
      ),
      usableUntil: 1_900_000_000_000,
    };
    await writer.set(KEY, answer, 60_000);

    expect(await reader.get(KEY)).toEqual(answer);
    expect(reader.stats().invalidValues).toBe(0);
  });
});
