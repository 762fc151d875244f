import {
  generateSigningKey,
  jwksOf,
  SESSION_REVOKED,
  signSecurityEvent,
  type TestSigningKey,
  TOKEN_CLAIMS_CHANGE,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  jwtResolver,
  memoryReplayStore,
  pushDeliveryHandler,
  type RevocationList,
  receivePushedSet,
  revocationList,
  type SecurityEventHandler,
  type SecurityEventReceiver,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_S,
  resolveAt,
} from '../helpers.js';

const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';

let transmitterKey: TestSigningKey;
let forgerKey: TestSigningKey;
let tokenKey: TestSigningKey;

beforeAll(async () => {
  transmitterKey = await generateSigningKey('ES256', 'ssf-1');
  // The same kid: only the signature tells them apart.
  forgerKey = await generateSigningKey('ES256', 'ssf-1');
  tokenKey = await generateSigningKey('RS256');
});

// SETs are issued a little after the access tokens minted at NOW_S.
const SET_TIME_S = NOW_S + 60;
const clock = () => SET_TIME_S * 1000 + 500;

function setup(handlers?: Record<string, SecurityEventHandler>): {
  receiver: SecurityEventReceiver;
  revocations: RevocationList;
  push: (set: string) => Promise<Response>;
} {
  const revocations = revocationList({ clock });
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore: memoryReplayStore({ clock }),
    revocations,
    clock,
    ...(handlers === undefined ? {} : { handlers }),
  });
  const handler = pushDeliveryHandler(receiver);
  const push = (set: string) =>
    handler(
      new Request('https://api.example.com/ssf/events', {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt' },
        body: set,
      }),
    );
  return { receiver, revocations, push };
}

function sign(
  events: Record<string, Record<string, unknown>>,
  options: Partial<Parameters<typeof signSecurityEvent>[2]> = {},
  key = transmitterKey,
) {
  return signSecurityEvent(key, events, {
    issuer: TRANSMITTER,
    audience: RECEIVER,
    issuedAt: SET_TIME_S,
    ...options,
  });
}

function resolverWith(revocations: RevocationList) {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    verifiedTokenCache: {},
    revocations,
  });
}

async function expectSetError(response: Response, err: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = (await response.json()) as { err: string; description: string };
  expect(body.err).toBe(err);
  expect(body.description).toEqual(expect.any(String));
}

describe('security event receiver: events', () => {
  it('RISC tokens-revoked: 202, and the subject tokens issued before are refused', async () => {
    const { revocations, push, receiver } = setup();
    const resolver = resolverWith(revocations);
    const token = await mint(tokenKey, { sub: 'alice' });
    const other = await mint(tokenKey, { sub: 'bob' });
    expectSuccess(await resolveAt(resolver, token, clock()));

    const response = await push(
      await sign({ [TOKENS_REVOKED]: {} }, { subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' } }),
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expectFailure(await resolveAt(resolver, token, clock()), 'token_revoked');
    expectSuccess(await resolveAt(resolver, other, clock()));
    expect(receiver.stats()).toMatchObject({ accepted: 1, appliedEvents: 1 });
  });

  it('CAEP session-revoked with a complex subject revokes that session only', async () => {
    const { revocations, push } = setup();
    const resolver = resolverWith(revocations);
    const inSession = await mint(tokenKey, { sub: 'carol', sid: 'session-1' });
    const otherSession = await mint(tokenKey, { sub: 'carol', sid: 'session-2' });
    const response = await push(
      await sign(
        { [SESSION_REVOKED]: { event_timestamp: SET_TIME_S } },
        {
          subjectId: {
            user: { format: 'iss_sub', iss: ISSUER, sub: 'carol' },
            session: { format: 'opaque', id: 'session-1' },
          },
        },
      ),
    );
    expect(response.status).toBe(202);
    expectFailure(await resolveAt(resolver, inSession, clock()), 'token_revoked');
    expectSuccess(await resolveAt(resolver, otherSession, clock()));
  });

  it('maps a jwt_id subject and a subject carried inside the event (earlier drafts)', async () => {
    const { revocations, push } = setup();
    const resolver = resolverWith(revocations);
    const named = await mint(tokenKey, { sub: 'dan', jti: 'token-77' });
    const byOpaque = await mint(tokenKey, { sub: 'opaque-user' });
    expect(
      (
        await push(
          await sign(
            { [TOKENS_REVOKED]: {} },
            { subjectId: { format: 'jwt_id', iss: ISSUER, jti: 'token-77' } },
          ),
        )
      ).status,
    ).toBe(202);
    expect(
      (await push(await sign({ [TOKENS_REVOKED]: { subject: { format: 'opaque', id: 'opaque-user' } } })))
        .status,
    ).toBe(202);
    expectFailure(await resolveAt(resolver, named, clock()), 'token_revoked');
    expectFailure(await resolveAt(resolver, byOpaque, clock()), 'token_revoked');
  });

  it('CAEP token-claims-change evicts and refuses nothing; unknown events are acknowledged and counted', async () => {
    const { revocations, push, receiver } = setup();
    const resolver = resolverWith(revocations);
    const token = await mint(tokenKey, { sub: 'erin' });
    const response = await push(
      await sign(
        { [TOKEN_CLAIMS_CHANGE]: { claims: { role: 'reader' } }, 'https://example.com/event/unknown': {} },
        { subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'erin' } },
      ),
    );
    expect(response.status).toBe(202);
    expectSuccess(await resolveAt(resolver, token, clock()));
    expect(revocations.stats()).toMatchObject({ evictions: 1, revocations: 0 });
    expect(receiver.stats()).toMatchObject({ appliedEvents: 1, ignoredEvents: 1 });
  });

  it('acknowledges a subject that names no token claim (email), counting it', async () => {
    const { push, receiver, revocations } = setup();
    const response = await push(
      await sign({ [TOKENS_REVOKED]: {} }, { subjectId: { format: 'email', email: 'a@example.com' } }),
    );
    expect(response.status).toBe(202);
    expect(receiver.stats().unmappedSubjects).toBe(1);
    expect(revocations.stats().revocations).toBe(0);
  });

  it('hands proprietary event types to their handler', async () => {
    const { receiver, revocations } = setup({
      'https://vendor.example.com/client-disabled': (event, { revocations: sink }) =>
        sink.revoke({ by: 'client', value: String(event.client_id) }),
    });
    const resolver = resolverWith(revocations);
    const token = await mint(tokenKey, { sub: 'fay', client_id: 'app-9' });
    const receipt = await receiver.receive(
      await sign({ 'https://vendor.example.com/client-disabled': { client_id: 'app-9' } }),
    );
    expect(receipt).toMatchObject({ ok: true, applied: ['https://vendor.example.com/client-disabled'] });
    expectFailure(await resolveAt(resolver, token, clock()), 'token_revoked');
  });
});

describe('security event receiver: refusals (RFC 8935 section 2.3)', () => {
  const revokeAlice = { [TOKENS_REVOKED]: {} };
  const alice = { subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' } };

  it('refuses a forged SET (another key with the same kid): invalid_key, and revokes nothing', async () => {
    const { push, revocations } = setup();
    await expectSetError(await push(await sign(revokeAlice, alice, forgerKey)), 'invalid_key');
    expect(revocations.stats().revocations).toBe(0);
  });

  it('refuses a replayed SET: the same jti acts once', async () => {
    const { push, receiver } = setup();
    const set = await sign(revokeAlice, alice);
    expect((await push(set)).status).toBe(202);
    await expectSetError(await push(set), 'invalid_request');
    // A new SET with the same jti is a replay too.
    const jti = JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString()).jti as string;
    await expectSetError(await push(await sign(revokeAlice, { ...alice, jti })), 'invalid_request');
    expect(receiver.stats()).toMatchObject({ accepted: 1, duplicates: 2 });
  });

  it('refuses a replay until the SET is too old, on every instance sharing the store, whatever their clocks', async () => {
    const maxAge = 300_000;
    const skew = 60_000;
    const t0 = SET_TIME_S * 1000;
    let now = t0;
    // One store (its own clock the real one); B's clock runs 30 s behind A's, within the skew allowed.
    const store = memoryReplayStore({ clock: () => now });
    const receiverAt = (offset: number) => {
      const receiver = securityEventReceiver({
        issuer: TRANSMITTER,
        audience: RECEIVER,
        keys: staticJwks(jwksOf(transmitterKey)),
        replayStore: store,
        revocations: revocationList({ clock: () => now + offset }),
        maxAge,
        skew,
        clock: () => now + offset,
      });
      const handler = pushDeliveryHandler(receiver);
      return (set: string) =>
        handler(
          new Request('https://api.example.com/ssf/events', {
            method: 'POST',
            headers: { 'content-type': 'application/secevent+jwt' },
            body: set,
          }),
        );
    };
    const [pushToA, pushToB] = [receiverAt(0), receiverAt(-30_000)];
    // Issued by a transmitter whose clock is ahead by the whole skew: the longest a SET stays acceptable.
    const set = await sign(revokeAlice, { ...alice, issuedAt: SET_TIME_S + skew / 1000 });
    expect((await pushToA(set)).status).toBe(202);
    const lastAcceptedByA = t0 + skew + maxAge + skew;
    now = lastAcceptedByA;
    await expectSetError(await pushToA(set), 'invalid_request');
    now = lastAcceptedByA + 1;
    await expectSetError(await pushToA(set), 'invalid_request');
    // B still takes the SET's iat as recent enough 30 s later: it must still find it received.
    now = lastAcceptedByA + 30_000;
    const response = await pushToB(set);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { description: string }).description).toMatch(/already received/);
  });

  it('refuses a SET for another audience, of another issuer, or of another typ', async () => {
    const { push, revocations } = setup();
    await expectSetError(
      await push(await sign(revokeAlice, { ...alice, audience: 'https://other-api.example.com' })),
      'invalid_audience',
    );
    await expectSetError(
      await push(await sign(revokeAlice, { ...alice, issuer: 'https://evil.example.com' })),
      'invalid_issuer',
    );
    await expectSetError(await push(await sign(revokeAlice, { ...alice, typ: 'JWT' })), 'invalid_request');
    await expectSetError(await push(await sign(revokeAlice, { ...alice, typ: 'at+jwt' })), 'invalid_request');
    expect(revocations.stats().revocations).toBe(0);
  });

  it('refuses a SET issued too long ago or in the future, or expired', async () => {
    const { push } = setup();
    await expectSetError(
      await push(await sign(revokeAlice, { ...alice, issuedAt: SET_TIME_S - 301 - 60 })),
      'invalid_request',
    );
    await expectSetError(
      await push(await sign(revokeAlice, { ...alice, issuedAt: SET_TIME_S + 62 })),
      'invalid_request',
    );
    await expectSetError(
      await push(await sign(revokeAlice, { ...alice, claims: { exp: SET_TIME_S - 120 } })),
      'invalid_request',
    );
    // Just inside both bounds: accepted.
    expect((await push(await sign(revokeAlice, { ...alice, issuedAt: SET_TIME_S - 299 }))).status).toBe(202);
    expect((await push(await sign(revokeAlice, { ...alice, issuedAt: SET_TIME_S + 59 }))).status).toBe(202);
  });

  it('refuses an unsigned SET, a subject it cannot read, another media type and other methods', async () => {
    const { push, receiver } = setup();
    const [header, payload] = (await sign(revokeAlice, alice)).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url')}.${payload}.`;
    await expectSetError(await push(unsigned), 'invalid_request');
    await expectSetError(await push(`${header}.${payload}.AAAA`), 'invalid_key');
    await expectSetError(
      await push(await sign(revokeAlice, { subjectId: { format: 'x-unknown', id: 1 } })),
      'invalid_request',
    );
    const handler = pushDeliveryHandler(receiver);
    const json = await handler(
      new Request('https://api.example.com/ssf/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    await expectSetError(json, 'invalid_request');
    const get = await handler(new Request('https://api.example.com/ssf/events'));
    expect(get.status).toBe(405);
    const huge = await handler(
      new Request('https://api.example.com/ssf/events', {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt' },
        body: 'a'.repeat(70_000),
      }),
    );
    await expectSetError(huge, 'invalid_request');
  });

  it('refuses an iss_sub or jwt_id subject with an empty issuer: 400, not a thrown configuration error', async () => {
    const { push, receiver } = setup();
    for (const subjectId of [
      { format: 'iss_sub', iss: '', sub: 'alice' },
      { format: 'jwt_id', iss: '', jti: 'token-1' },
    ]) {
      const response = await push(await sign(revokeAlice, { subjectId }));
      await expectSetError(response, 'invalid_request');
    }
    expect(receiver.stats()).toMatchObject({ accepted: 0, appliedEvents: 0 });
  });

  it('refuses a SET of more than 16 events, saying so', async () => {
    const { push } = setup();
    const events = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`urn:example:event-${i}`, {}]));
    const response = await push(await sign(events, alice));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      err: 'invalid_request',
      description: 'The SET has more than 16 events',
    });
  });

  it('acts on a SET delivered again after acting on it failed, not refusing it as a duplicate', async () => {
    const PROPRIETARY = 'urn:example:account-locked';
    let calls = 0;
    const { push, receiver } = setup({
      [PROPRIETARY]: () => {
        calls++;
        if (calls === 1) throw new Error('the account database is down');
      },
    });
    const set = await sign({ [PROPRIETARY]: {} }, alice);
    // The endpoint answers a server error (the rejection reaches it), so the transmitter delivers again.
    await expect(push(set)).rejects.toThrow('the account database is down');
    const again = await push(set);
    expect(again.status).toBe(202);
    expect(calls).toBe(2);
    // Acted on once whole: a further copy is the duplicate.
    await expectSetError(await push(set), 'invalid_request');
    expect(calls).toBe(2);
    expect(receiver.stats()).toMatchObject({ accepted: 1, duplicates: 1, appliedEvents: 1 });
  });
});

describe('security event receiver: settings refused at start-up', () => {
  const settings = {
    issuer: TRANSMITTER,
    audience: RECEIVER,
    replayStore: memoryReplayStore(),
    revocations: revocationList(),
  };
  const build = (extra: Record<string, unknown>) => () =>
    securityEventReceiver({ ...settings, keys: staticJwks(jwksOf(transmitterKey)), ...extra });

  it('refuses a maximum age no replay store could keep, a fraction of a millisecond, or seconds for ms', () => {
    // 1e300 ms: Redis refuses such an expiry, so every SET would be answered 503.
    for (const maxAge of [1e300, 0.5, 300, 300_000.5, 7 * 86_400_000, 0, -1]) {
      const error = expectConfigError(build({ maxAge }), 'securityEventReceiver.maxAge');
      expect(error.problem).toBe('must be a whole number of milliseconds from 60000 to 86400000');
    }
    expect(build({ maxAge: 60_000 })).not.toThrow();
    expect(build({ maxAge: 86_400_000 })).not.toThrow();
  });

  it('refuses a maximum length shorter than any SET, or beyond any poll answer', () => {
    for (const maxLength of [1, 199, 1.5, 2 * 1024 * 1024, 1e300]) {
      const error = expectConfigError(build({ maxLength }), 'securityEventReceiver.maxLength');
      expect(error.problem).toBe('must be an integer from 200 to 1048576');
    }
    expect(build({ maxLength: 200 })).not.toThrow();
    expect(build({ maxLength: 1024 * 1024 })).not.toThrow();
  });

  it('remembers a jti for a whole number of milliseconds, whatever the skew', async () => {
    const ttls: number[] = [];
    const receiver = securityEventReceiver({
      ...settings,
      keys: staticJwks(jwksOf(transmitterKey)),
      replayStore: {
        async remember(_key, ttlMs) {
          ttls.push(ttlMs);
          return true;
        },
      },
      skew: 0.25,
      clock,
    });
    const set = await sign({ [TOKENS_REVOKED]: {} }, { subjectId: { format: 'opaque', id: 'alice' } });
    expect((await receiver.receive(set)).ok).toBe(true);
    // Until iat + maxAge + skew (299 500.25 ms from now, rounded up), then the skew (rounded up) and a second.
    expect(ttls).toEqual([299_501 + 1 + 1_000]);
  });
});

describe('receivePushedSet: programming errors of the endpoint calling it', () => {
  const pushed = { method: 'POST', contentType: 'application/secevent+jwt', body: 'x' };

  it('refuses something other than a receiver, naming the argument', async () => {
    for (const receiver of [undefined, null, {}]) {
      await expect(receivePushedSet(receiver as never, pushed)).rejects.toMatchObject({
        name: 'RsConfigError',
        option: 'receivePushedSet.receiver',
      });
    }
  });

  it('refuses a missing or malformed pushed request, not answering it 400 as a bad SET', async () => {
    const { receiver } = setup();
    for (const wrong of [
      undefined,
      null,
      'POST',
      {},
      { ...pushed, method: undefined },
      { ...pushed, contentType: 42 },
      { ...pushed, body: 42 },
    ]) {
      const refused = receivePushedSet(receiver, wrong as never);
      await expect(refused).rejects.toMatchObject({
        name: 'RsConfigError',
        option: 'receivePushedSet.pushed',
      });
      await expect(refused).rejects.toThrow(/programming error/);
    }
    // The defined answers stay: no content type is a 400, a body too large (undefined) is a 400.
    expect((await receivePushedSet(receiver, { ...pushed, contentType: undefined })).status).toBe(400);
    expect((await receivePushedSet(receiver, { ...pushed, body: undefined })).status).toBe(400);
  });
});
