import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type RemoteJwks } from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// A resolver may read several JWK sets (an old and a new authorization server during a migration). One
// of them hanging must cost a request at most one timeout, and nothing when another set already holds
// the token's key. Real JWK set servers on loopback; the hanging one accepts requests and never answers.

let keyA: TestSigningKey;
let keyB: TestSigningKey;
const serve = remoteJwksFixture();

beforeAll(async () => {
  keyA = await generateSigningKey('ES256', 'key-a');
  keyB = await generateSigningKey('ES256', 'key-b');
});

const serverOver = (...keys: RemoteJwks[]) =>
  createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }),
    clock: () => NOW_MS,
  });

// Long enough never to fire in a test that passes: a request that waits for it fails the test's bound.
const HANGING_TIMEOUT_MS = 60_000;

describe('several key sources', () => {
  it('a token a held set verifies does not wait for a set that hangs, listed first', async () => {
    const hanging = await serve(jwksOf(keyB), { timeout: HANGING_TIMEOUT_MS });
    hanging.server.hang();
    const healthy = await serve(jwksOf(keyA));
    const rs = serverOver(hanging.keys, healthy.keys);
    // The healthy set is fetched and its key imported; the hanging one has never answered.
    expect((await healthy.keys.keysFor({ alg: 'ES256', kid: 'key-a' }, NOW_MS)).ok).toBe(true);
    const answered = rs.authenticate(bearerRequest(await mint(keyA)));
    const waited = new Promise<'waited'>((resolve) =>
      setTimeout(() => resolve('waited'), HANGING_TIMEOUT_MS / 4).unref(),
    );
    const first = await Promise.race([answered, waited]);
    expect(first).not.toBe('waited');
    expectAccepted(await answered);
    // The token the hanging set would have to answer for still waits for it, as before.
    expect(hanging.server.requests).toBe(0);
  });

  it('asks every set at once: a token waits for the slowest, not for each in turn', async () => {
    const first = await serve(jwksOf(keyB), { timeout: HANGING_TIMEOUT_MS });
    const second = await serve(jwksOf(keyA), { timeout: HANGING_TIMEOUT_MS });
    first.server.hang();
    second.server.hang();
    const answered = serverOver(first.keys, second.keys).authenticate(bearerRequest(await mint(keyA)));
    // Both requests are out while the first set has not answered: asked in turn, the second would wait.
    await eventually(() => expect([first.server.requests, second.server.requests]).toEqual([1, 1]));
    await Promise.all([first.server.down(), second.server.down()]);
    expectRejected(await answered, 'keys_unavailable', 503);
  });

  it('a signature the held set does not verify waits for the other set, and is checked with its keys', async () => {
    const slow = await serve(jwksOf(keyA));
    const held = await serve(jwksOf(keyB));
    expect((await held.keys.keysFor({ alg: 'ES256', kid: undefined }, NOW_MS)).ok).toBe(true);
    // A token without kid: key-b (held) does not verify it; key-a, in the set not fetched yet, does.
    const { kid: _kid, ...unnamed } = keyA;
    const token = await mint(unnamed as TestSigningKey);
    expectAccepted(await serverOver(slow.keys, held.keys).authenticate(bearerRequest(token)));
    expect(slow.server.requests).toBe(1);
    // Forged (signed by neither): refused after both sets were asked.
    const stranger = await generateSigningKey('ES256');
    const { kid: _none, ...unnamedStranger } = stranger;
    const forged = await mint(unnamedStranger as TestSigningKey);
    expectRejected(
      await serverOver(slow.keys, held.keys).authenticate(bearerRequest(forged)),
      'signature_invalid',
      401,
    );
  });
});
