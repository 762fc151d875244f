import { generateSigningKey, jwksOf, signSecurityEvent, TOKENS_REVOKED } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import {
  jwtResolver,
  memoryReplayStore,
  revocationList,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, expectFailure, expectSuccess, ISSUER, mint, NOW_S, resolveAt } from '../helpers.js';

// A revocation refuses the tokens issued before it. "Before" is read in `iat`, the authorization
// server's clock: when that clock runs ahead of the resource server's (by no more than the skew the
// resolver tolerates), a time stamped here would miss the tokens issued in the last seconds before the
// revocation. A Security Event Token's `iat` is stamped by the transmitter's clock, and dates it.
const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER_AUDIENCE = 'https://api.example.com/ssf';
const RS_NOW_MS = (NOW_S + 100) * 1000;
const AHEAD_S = 30;
const AS_NOW_S = NOW_S + 100 + AHEAD_S;

async function setUp() {
  const tokenKey = await generateSigningKey('RS256');
  const setKey = await generateSigningKey('ES256', 'ssf');
  const clock = () => RS_NOW_MS;
  const revocations = revocationList({ clock });
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER_AUDIENCE,
    keys: staticJwks(jwksOf(setKey)),
    replayStore: memoryReplayStore({ clock }),
    revocations,
    clock,
  });
  const resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    skewAllowance: AHEAD_S,
    revocations,
  });
  return { tokenKey, setKey, revocations, receiver, resolver };
}

describe('revocations dated by the authorization server clock', () => {
  it("refuses a token issued before a SET's iat, by a clock ahead of this one", async () => {
    const { tokenKey, setKey, receiver, resolver } = await setUp();
    const issuedJustBefore = await mint(tokenKey, { sub: 'alice', iat: AS_NOW_S - 5, exp: AS_NOW_S + 600 });
    const issuedAfter = await mint(tokenKey, { sub: 'alice', iat: AS_NOW_S + 1, exp: AS_NOW_S + 600 });
    expectSuccess(await resolveAt(resolver, issuedJustBefore, RS_NOW_MS));
    const set = await signSecurityEvent(
      setKey,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: RECEIVER_AUDIENCE,
        issuedAt: AS_NOW_S,
        subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
      },
    );
    expect((await receiver.receive(set)).ok).toBe(true);
    expectFailure(await resolveAt(resolver, issuedJustBefore, RS_NOW_MS + 1), 'token_revoked');
    // A token issued after the revocation (a new sign-in) is not refused.
    expectSuccess(await resolveAt(resolver, issuedAfter, RS_NOW_MS + 2_000));
  });

  it('takes issuedBefore from an application, the later of it and the clock', async () => {
    const { tokenKey, revocations, resolver } = await setUp();
    const token = await mint(tokenKey, { sub: 'bob', iat: AS_NOW_S - 5, exp: AS_NOW_S + 600 });
    await revocations.revoke({ by: 'sub', value: 'bob', issuedBefore: AS_NOW_S * 1000 });
    expectFailure(await resolveAt(resolver, token, RS_NOW_MS + 1), 'token_revoked');
    // An issuedBefore behind the clock does not narrow the revocation.
    const carol = await mint(tokenKey, { sub: 'carol', iat: NOW_S + 99, exp: AS_NOW_S + 600 });
    await revocations.revoke({ by: 'sub', value: 'carol', issuedBefore: 0 });
    expectFailure(await resolveAt(resolver, carol, RS_NOW_MS + 1), 'token_revoked');
  });

  it.each([
    ['more than 5 minutes ahead (microseconds for milliseconds)', RS_NOW_MS * 1000],
    ['NaN', Number.NaN],
    ['a string', String(RS_NOW_MS) as unknown as number],
  ])('refuses an issuedBefore %s, naming it', async (_, issuedBefore) => {
    const { revocations } = await setUp();
    await expect(revocations.revoke({ by: 'sub', value: 'dave', issuedBefore })).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'revocationList.revoke.issuedBefore',
    });
  });
});
