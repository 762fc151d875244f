import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticJwks } from '../../src/index.js';
import type { KeySelector } from '../../src/keys/verification-key-source.js';
import { NOW_MS } from '../helpers.js';
import { remoteJwksFixture } from '../remote-jwks-setup.js';

// `keysAtHand` is the synchronous answer of a key source, given only when `keysFor` would not have to
// wait for anything: it must never answer differently from `keysFor`, and must leave fetching to it.

let keyA: TestSigningKey;
let keyB: TestSigningKey;
const serve = remoteJwksFixture();

beforeAll(async () => {
  keyA = await generateSigningKey('ES256', 'key-a');
  keyB = await generateSigningKey('ES256', 'key-b');
});

const selector = (kid: string | undefined): KeySelector => ({ alg: 'ES256', kid });

describe('staticJwks keysAtHand', () => {
  it('waits for keysFor to import a key, then answers as keysFor does', async () => {
    const source = staticJwks(jwksOf(keyA, keyB));
    expect(source.keysAtHand?.(selector('key-a'), NOW_MS)).toBeUndefined();
    const found = await source.keysFor(selector('key-a'), NOW_MS);
    expect(found.ok && found.value).toHaveLength(1);
    expect(source.keysAtHand?.(selector('key-a'), NOW_MS)).toEqual(found);
    // key-b was never imported: still keysFor's to answer.
    expect(source.keysAtHand?.(selector('key-b'), NOW_MS)).toBeUndefined();
    // A kid the set does not hold needs no import: no key, at once.
    expect(source.keysAtHand?.(selector('unknown'), NOW_MS)).toEqual({ ok: true, value: [] });
  });
});

describe('remoteJwks keysAtHand', () => {
  it('leaves the first fetch, and a kid the held set does not know, to keysFor', async () => {
    const { keys, server } = await serve(jwksOf(keyA));
    expect(keys.keysAtHand?.(selector('key-a'), NOW_MS)).toBeUndefined();
    expect(server.requests).toBe(0);
    const found = await keys.keysFor(selector('key-a'), NOW_MS);
    expect(found.ok && found.value).toHaveLength(1);
    expect(keys.keysAtHand?.(selector('key-a'), NOW_MS)).toEqual(found);
    // keysFor may refetch for an unknown kid; keysAtHand never decides that.
    expect(keys.keysAtHand?.(selector('key-b'), NOW_MS)).toBeUndefined();
    expect(keys.stats().fetches).toBe(1);
  });
});
