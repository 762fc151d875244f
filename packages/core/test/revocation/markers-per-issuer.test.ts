import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, type RevocationList, revocationList, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';

// A revocation may name the issuer whose tokens it reaches (`iss_sub` subjects of Security Event Tokens
// do). Each issuer's marker of one value must count against `maxMarkers`, or revocations of one subject
// for ever more issuers grow the list without bound while `stats().markers` says 1.

let key: TestSigningKey;

beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

function jwtWith(revocations: RevocationList) {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), revocations });
}

describe('revocation list: markers of one value for several issuers', () => {
  it('counts each issuer’s marker against maxMarkers, dropping the oldest', async () => {
    const revocations = revocationList({ maxMarkers: 3, clock: () => NOW_MS });
    for (let tenant = 0; tenant < 10; tenant++) {
      await revocations.revoke({ by: 'sub', value: 'alice', issuer: `https://tenant-${tenant}.example.com` });
    }
    expect(revocations.stats()).toMatchObject({ markers: 3, droppedMarkers: 7 });
  });

  it('refuses by the marker of the token’s issuer or by the one for every issuer, as long as it is kept', async () => {
    const revocations = revocationList({ maxMarkers: 3, clock: () => NOW_MS });
    const resolver = jwtWith(revocations);
    const alice = await mint(key, { sub: 'alice', iat: NOW_S - 10 });
    const bob = await mint(key, { sub: 'bob', iat: NOW_S - 10 });

    await revocations.revoke({ by: 'sub', value: 'alice', issuer: ISSUER });
    await revocations.revoke({ by: 'sub', value: 'bob' });
    await revocations.revoke({ by: 'sub', value: 'bob', issuer: 'https://other.example.com' });
    expectFailure(await resolveAt(resolver, alice), 'token_revoked');
    expectFailure(await resolveAt(resolver, bob), 'token_revoked');

    // A marker of alice for another issuer reaches no token of this one.
    const carol = await mint(key, { sub: 'carol', iat: NOW_S - 10 });
    await revocations.revoke({ by: 'sub', value: 'carol', issuer: 'https://other.example.com' });
    expectSuccess(await resolveAt(resolver, carol));

    // Three more markers push out the oldest: alice's for this issuer, counted as dropped.
    for (const tenant of ['a', 'b', 'c']) {
      await revocations.revoke({ by: 'sub', value: 'dave', issuer: `https://${tenant}.example.com` });
    }
    expect(revocations.stats().markers).toBe(3);
    expectSuccess(await resolveAt(resolver, alice));
    // Marked again once its marker was dropped, the issuer is found again.
    await revocations.revoke({ by: 'sub', value: 'alice', issuer: ISSUER });
    expectFailure(await resolveAt(resolver, alice), 'token_revoked');
  });

  it('keeps the later of two revocations of one value for one issuer, and drops a marker once past', async () => {
    let now = NOW_MS;
    const revocations = revocationList({ markerTtl: 60_000, clock: () => now });
    const resolver = jwtWith(revocations);
    const before = await mint(key, { sub: 'erin', iat: NOW_S + 5 });

    await revocations.revoke({ by: 'sub', value: 'erin', issuer: ISSUER });
    // Issued after the first revocation: accepted until the second one.
    expectSuccess(await resolveAt(resolver, before, NOW_MS + 10_000));
    now = NOW_MS + 10_000;
    await revocations.revoke({ by: 'sub', value: 'erin', issuer: ISSUER });
    expect(revocations.stats().markers).toBe(1);
    expectFailure(await resolveAt(resolver, before, NOW_MS + 11_000), 'token_revoked');
    // Kept for markerTtl after the later revocation, then gone.
    expectFailure(await resolveAt(resolver, before, NOW_MS + 69_000), 'token_revoked');
    expectSuccess(await resolveAt(resolver, before, NOW_MS + 70_000));
    expect(revocations.stats().markers).toBe(0);
  });
});
