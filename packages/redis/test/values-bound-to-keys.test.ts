import { generateKeyPairSync } from 'node:crypto';
import { type CachedAnswer, RsConfigError, tokenInfoFromClaims } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStoreError, redisTokenCacheStore } from '../src/index.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

// Keys as the token cache makes them: `<prefix><API's namespace>:<token hash>`.
const KEY_OF_API_A = 'rs:token:intro-api-a:c2FtZS10b2tlbi1oYXNo';
const KEY_OF_API_B = 'rs:token:intro-api-b:c2FtZS10b2tlbi1oYXNo';
const SECRET = 'a-secret-every-instance-shares-0123456789';

const accepted: CachedAnswer = {
  info: tokenInfoFromClaims(
    { active: true, sub: 'alice', scope: 'read', aud: 'https://a.example.com', exp: 2_000_000_000 },
    'introspection',
  ),
  usableUntil: 1_900_000_000_000,
  storedAt: 1_899_999_940_000,
};

function errorsOf(): { errors: RedisStoreError[]; onError: (error: RedisStoreError) => void } {
  const errors: RedisStoreError[] = [];
  return { errors, onError: (error) => errors.push(error) };
}

describe('a value is bound to the key it was written under', () => {
  it('refuses an answer of API A copied under API B’s key for the same token', async () => {
    const writer = await fixture.store();
    const { errors, onError } = errorsOf();
    const reader = await fixture.store({ onError });
    const raw = await fixture.raw();
    await writer.set(KEY_OF_API_A, accepted, 60_000);

    await raw.set(KEY_OF_API_B, (await raw.get(KEY_OF_API_A)) ?? '', { PX: 60_000 });

    expect(await reader.get(KEY_OF_API_B)).toBeUndefined();
    expect(reader.stats()).toMatchObject({ invalidValues: 1, misses: 1, redisHits: 0, localEntries: 0 });
    expect(errors.map((error) => error.operation)).toEqual(['invalid_value']);
    expect(errors[0]?.message).toContain('refused a value written under another key found in Redis');
    expect(await reader.get(KEY_OF_API_A)).toEqual(accepted);
  });

  it.each([
    ['a value naming no key (written before values named theirs)', { key: undefined }],
    ['a non-numeric usableUntil', { usableUntil: 'tomorrow' }],
    ['a non-numeric storedAt', { storedAt: '1899999940000' }],
    ['an infinite storedAt', { storedAt: Number.POSITIVE_INFINITY }],
  ])('refuses %s, with the key named', async (_case, change) => {
    const store = await fixture.store();
    const raw = await fixture.raw();
    const value = {
      v: 1,
      key: KEY_OF_API_A,
      usableUntil: 1_900_000_000_000,
      storedAt: 1_899_999_940_000,
      source: 'jwt',
      claims: { sub: 'alice' },
      ...change,
    };
    // JSON.stringify writes Infinity as null: spelled 1e999, as a planted value could be.
    const text = JSON.stringify(value).replace('"storedAt":null', '"storedAt":1e999');
    await raw.set(KEY_OF_API_A, text, { PX: 60_000 });

    expect(await store.get(KEY_OF_API_A)).toBeUndefined();
    expect(store.stats()).toMatchObject({ invalidValues: 1, misses: 1 });
  });

  it('keeps when the answer was stored, and reads back one that does not say', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const { storedAt: _unsaid, ...withoutStoredAt } = accepted;
    await writer.set(KEY_OF_API_A, accepted, 60_000);
    await writer.set(KEY_OF_API_B, withoutStoredAt as CachedAnswer, 60_000);

    expect((await reader.get(KEY_OF_API_A))?.storedAt).toBe(1_899_999_940_000);
    expect(await reader.get(KEY_OF_API_B)).toEqual(withoutStoredAt);
  });
});

describe('signingSecret', () => {
  it('lets the instances sharing the secret read each other’s answers', async () => {
    const writer = await fixture.store({ signingSecret: SECRET });
    const reader = await fixture.store({ signingSecret: new TextEncoder().encode(SECRET) });
    const raw = await fixture.raw();
    await writer.set(KEY_OF_API_A, accepted, 60_000);

    expect(await reader.get(KEY_OF_API_A)).toEqual(accepted);
    expect(reader.stats()).toMatchObject({ redisHits: 1, invalidValues: 0 });
    expect(await raw.get(KEY_OF_API_A)).toMatch(/,"mac":"[A-Za-z0-9_-]{43}"}$/);
  });

  const NO_VALID_SIGNATURE = 'a value without a valid signature';
  it.each([
    [
      'unsigned (planted, or from an instance without the secret)',
      NO_VALID_SIGNATURE,
      async () => {
        const unsigned = await fixture.store();
        await unsigned.set(KEY_OF_API_A, accepted, 60_000);
      },
    ],
    [
      'signed with another secret',
      NO_VALID_SIGNATURE,
      async () => {
        const other = await fixture.store({ signingSecret: `${SECRET}-other` });
        await other.set(KEY_OF_API_A, accepted, 60_000);
      },
    ],
    [
      'signed, but copied from another key',
      'a value written under another key',
      async () => {
        const signer = await fixture.store({ signingSecret: SECRET });
        await signer.set(KEY_OF_API_B, accepted, 60_000);
        const raw = await fixture.raw();
        await raw.set(KEY_OF_API_A, (await raw.get(KEY_OF_API_B)) ?? '', { PX: 60_000 });
      },
    ],
    [
      'signed, then given more scopes',
      NO_VALID_SIGNATURE,
      async () => {
        const signer = await fixture.store({ signingSecret: SECRET });
        await signer.set(KEY_OF_API_A, accepted, 60_000);
        const raw = await fixture.raw();
        const text = (await raw.get(KEY_OF_API_A)) ?? '';
        await raw.set(KEY_OF_API_A, text.replace('"scope":"read"', '"scope":"read admin"'), { PX: 60_000 });
      },
    ],
    [
      'signed, with its signature cut short',
      NO_VALID_SIGNATURE,
      async () => {
        const signer = await fixture.store({ signingSecret: SECRET });
        await signer.set(KEY_OF_API_A, accepted, 60_000);
        const raw = await fixture.raw();
        const text = (await raw.get(KEY_OF_API_A)) ?? '';
        await raw.set(KEY_OF_API_A, `${text.slice(0, -12)}"}`, { PX: 60_000 });
      },
    ],
  ])('refuses a value %s', async (_case, refused, write) => {
    await write();
    const { errors, onError } = errorsOf();
    const reader = await fixture.store({ signingSecret: SECRET, onError });

    expect(await reader.get(KEY_OF_API_A)).toBeUndefined();
    expect(reader.stats()).toMatchObject({ invalidValues: 1, misses: 1, localEntries: 0 });
    expect(errors.map((error) => error.operation)).toEqual(['invalid_value']);
    expect(errors[0]?.message).toContain(`refused ${refused} found in Redis`);
    expect(errors[0]?.message).not.toContain(SECRET);
  });

  it('is refused at start-up when shorter than 32 bytes, or not a string or bytes, never repeated', () => {
    const short = 'short-but-secret';
    const attempt = (signingSecret: unknown) => () =>
      redisTokenCacheStore({ url: redis.url, signingSecret: signingSecret as string });

    expect(attempt(short)).toThrow(RsConfigError);
    expect(attempt(short)).toThrow(/redisTokenCacheStore\.signingSecret.*at least 32 bytes/);
    expect(attempt(short)).not.toThrow(new RegExp(short));
    expect(attempt(new Uint8Array(31))).toThrow(/signingSecret/);
    expect(attempt('')).toThrow(/signingSecret/);
    expect(attempt(42)).toThrow(/signingSecret/);
  });

  it('is refused at start-up when it is key material of another kind, as sharedSecret refuses it', () => {
    // A public key as the secret: whoever has it could sign values, and make any token pass.
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const jwkText = JSON.stringify(publicKey.export({ format: 'jwk' }));
    for (const [secret, kind] of [
      [pem, 'a PEM key or certificate'],
      [new TextEncoder().encode(pem), 'a PEM key or certificate'],
      [der.toString('base64'), 'a DER-encoded key or certificate (in base64)'],
      [new Uint8Array(der), 'a DER-encoded key or certificate'],
      [jwkText, 'the JSON text of a JWK'],
    ] as const) {
      let thrown: unknown;
      try {
        redisTokenCacheStore({ url: redis.url, signingSecret: secret });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RsConfigError);
      const error = thrown as RsConfigError;
      expect(error.option).toBe('redisTokenCacheStore.signingSecret');
      expect(error.problem).toContain(`the secret is ${kind}, not a shared secret`);
      expect(error.message).not.toContain(der.toString('base64').slice(40, 80));
      expect(error.message).not.toContain(JSON.parse(jwkText).n.slice(0, 40));
    }
  });

  it('takes a text secret that merely mentions a key type, and signs with it', async () => {
    const secret = 'my ssh-rsa rotation secret for the api gateway 2024!!';
    const writer = await fixture.store({ signingSecret: secret });
    await writer.set(KEY_OF_API_A, accepted, 60_000);
    const reader = await fixture.store({ signingSecret: secret });
    expect(await reader.get(KEY_OF_API_A)).toEqual(accepted);
  });

  it('is refused when written out as undefined (an unset variable), rather than signing nothing', () => {
    expect(() => redisTokenCacheStore({ url: redis.url, signingSecret: undefined })).toThrow(
      /redisTokenCacheStore\.signingSecret.*undefined/,
    );
  });

  it('signs with the secret as it was given, whatever happens to the caller’s buffer later', async () => {
    const bytes = new TextEncoder().encode(SECRET);
    const writer = await fixture.store({ signingSecret: bytes });
    bytes.fill(0);
    await writer.set(KEY_OF_API_A, accepted, 60_000);

    const reader = await fixture.store({ signingSecret: SECRET });
    expect(await reader.get(KEY_OF_API_A)).toEqual(accepted);
  });
});

describe('the in-process tier keeps a Redis hit no longer than the reading cache keeps answers', () => {
  it('drops it after the lookup’s maxLifetime, though Redis gave it a minute', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const raw = await fixture.raw();
    await writer.set(KEY_OF_API_A, accepted, 60_000);

    expect(await reader.get(KEY_OF_API_A, { maxLifetime: 100 })).toEqual(accepted);
    // Gone from Redis without an eviction: only the tier's own lifetime can drop the local copy.
    await raw.del(KEY_OF_API_A);
    expect(await reader.get(KEY_OF_API_A, { maxLifetime: 100 })).toEqual(accepted);
    await new Promise((resolve) => setTimeout(resolve, 150));

    expect(await reader.get(KEY_OF_API_A, { maxLifetime: 100 })).toBeUndefined();
    expect(reader.stats()).toMatchObject({ redisHits: 1, localHits: 1, misses: 1 });
  });

  it('keeps nothing locally for a cache that keeps no answer', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    await writer.set(KEY_OF_API_A, accepted, 60_000);

    expect(await reader.get(KEY_OF_API_A, { maxLifetime: 0 })).toEqual(accepted);
    expect(await reader.get(KEY_OF_API_A, { maxLifetime: 0 })).toEqual(accepted);
    expect(reader.stats()).toMatchObject({ redisHits: 2, localHits: 0, localEntries: 0 });
  });
});
