import {
  generateSigningKey,
  jwksOf,
  SESSION_REVOKED,
  signSecurityEvent,
  startPollTransmitter,
  type TestPollTransmitter,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  memoryReplayStore,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';

let key: TestSigningKey;
let forger: TestSigningKey;
let transmitter: TestPollTransmitter | undefined;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'ssf-1');
  forger = await generateSigningKey('ES256', 'ssf-1');
});

afterEach(async () => {
  await transmitter?.close();
  transmitter = undefined;
});

function receiverFor() {
  const revocations = revocationList();
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks(jwksOf(key)),
    replayStore: memoryReplayStore(),
    revocations,
  });
  return { revocations, receiver };
}

function revokeSession(sid: string, jti: string, signer = key): Promise<string> {
  return signSecurityEvent(
    signer,
    { [SESSION_REVOKED]: {} },
    {
      issuer: TRANSMITTER,
      audience: RECEIVER,
      jti,
      subjectId: { session: { format: 'opaque', id: sid } },
    },
  );
}

describe('security event poller (RFC 8936) against a transmitter on loopback', () => {
  it('receives SETs in batches of maxEvents, acknowledges them, and reports the forged one in setErrs', async () => {
    transmitter = await startPollTransmitter('poll-secret');
    const { revocations, receiver } = receiverFor();
    transmitter.enqueue('set-1', await revokeSession('s-1', 'set-1'));
    transmitter.enqueue('set-2', await revokeSession('s-2', 'set-2'));
    transmitter.enqueue('set-3', await revokeSession('s-3', 'set-3', forger));
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver,
      headers: { authorization: 'Bearer poll-secret' },
      maxEvents: 2,
      returnImmediately: true,
    });

    expect(await poller.pollOnce()).toEqual({ received: 2, refused: 0, deferred: 0, moreAvailable: true });
    expect(await poller.pollOnce()).toEqual({ received: 0, refused: 1, deferred: 0, moreAvailable: false });
    expect(await poller.pollOnce()).toEqual({ received: 0, refused: 0, deferred: 0, moreAvailable: false });

    const [first, second, third] = transmitter.polls;
    expect(first).toMatchObject({
      maxEvents: 2,
      returnImmediately: true,
      authorization: 'Bearer poll-secret',
    });
    expect(first!.ack).toBeUndefined();
    expect(second!.ack).toEqual(['set-1', 'set-2']);
    expect(third!.setErrs).toEqual({ 'set-3': { err: 'invalid_key', description: expect.any(String) } });
    expect(transmitter.pending()).toEqual([]);
    expect(revocations.stats().revocations).toBe(2);
  });

  it('acknowledges again a SET delivered twice (its acknowledgement was lost), acting on it once', async () => {
    transmitter = await startPollTransmitter();
    const { revocations, receiver } = receiverFor();
    const set = await signSecurityEvent(
      key,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: RECEIVER,
        jti: 'set-9',
        subjectId: { format: 'opaque', id: 'user-9' },
      },
    );
    const poller = securityEventPoller({ endpoint: transmitter.endpoint, receiver, returnImmediately: true });
    transmitter.enqueue('set-9', set);
    expect(await poller.pollOnce()).toMatchObject({ received: 1 });
    expect(await poller.pollOnce()).toMatchObject({ received: 0 });
    expect(transmitter.polls.at(-1)!.ack).toEqual(['set-9']);
    // As if that acknowledgement had been lost: the transmitter delivers the SET again.
    transmitter.enqueue('set-9', set);
    expect(await poller.pollOnce()).toEqual({ received: 0, refused: 0, deferred: 0, moreAvailable: false });
    await poller.stop();
    expect(transmitter.polls.at(-1)).toMatchObject({ ack: ['set-9'], maxEvents: 0, returnImmediately: true });
    expect(transmitter.pending()).toEqual([]);
    expect(revocations.stats().revocations).toBe(1);
  });

  it('acts on a SET sent again after acting on it failed, instead of acknowledging it as a duplicate', async () => {
    transmitter = await startPollTransmitter();
    const revoked: string[] = [];
    let failures = 1;
    // A revocation sink of the application's own (a database of revoked sessions), down for one call.
    const receiver = securityEventReceiver({
      issuer: TRANSMITTER,
      audience: RECEIVER,
      keys: staticJwks(jwksOf(key)),
      replayStore: memoryReplayStore(),
      revocations: {
        revoke: async (revocation) => {
          if (failures-- > 0) throw new Error('the session database is down');
          revoked.push(revocation.value);
        },
        evict: async () => {},
      },
    });
    const poller = securityEventPoller({ endpoint: transmitter.endpoint, receiver, returnImmediately: true });
    transmitter.enqueue('set-7', await revokeSession('s-7', 'set-7'));
    await expect(poller.pollOnce()).rejects.toThrow('the session database is down');
    // Not acknowledged: the transmitter sends it again, and this time it is acted on.
    expect(await poller.pollOnce()).toMatchObject({ received: 1 });
    await poller.stop();
    expect(revoked).toEqual(['s-7']);
    expect(transmitter.pending()).toEqual([]);
  });

  it('waits interval between long polls the transmitter answers at once without SETs, instead of spinning', async () => {
    // The test transmitter never holds a long poll: it answers at once, with nothing.
    transmitter = await startPollTransmitter();
    const { receiver } = receiverFor();
    const interval = 200;
    const poller = securityEventPoller({ endpoint: transmitter.endpoint, receiver, interval });
    const startedAt = performance.now();
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, interval * 5));
    await poller.stop();
    const elapsed = performance.now() - startedAt;
    // One poll per interval started, and the first at once; without the pause, hundreds.
    expect(transmitter.polls.length).toBeGreaterThanOrEqual(1);
    expect(transmitter.polls.length).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 1);
  });

  it('keeps its acknowledgements when a poll fails, and sends them with the next one', async () => {
    transmitter = await startPollTransmitter();
    const { receiver } = receiverFor();
    transmitter.enqueue('set-5', await revokeSession('s-5', 'set-5'));
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver,
      returnImmediately: true,
      interval: 10,
      onError: (error) => errors.push(error),
    });
    expect(await poller.pollOnce()).toMatchObject({ received: 1 });
    transmitter.failNextPoll();
    await expect(poller.pollOnce()).rejects.toThrow(/503/);
    await poller.pollOnce();
    expect(transmitter.polls.at(-1)!.ack).toEqual(['set-5']);
    expect(transmitter.pending()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('polls in the background until stopped', async () => {
    transmitter = await startPollTransmitter();
    const { revocations, receiver } = receiverFor();
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver,
      returnImmediately: true,
      interval: 20,
    });
    poller.start();
    transmitter.enqueue('set-7', await revokeSession('s-7', 'set-7'));
    await expect.poll(() => revocations.stats().revocations, { timeout: 10_000 }).toBe(1);
    await poller.stop();
    expect(transmitter.pending()).toEqual([]);
    const polls = transmitter.polls.length;
    // Ten intervals: a poller still running would poll about ten times more. One poll may still arrive,
    // the one stop() aborted after it was written: the transmitter runs in this process, and under load
    // it may read that request only after stop() resolved.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(transmitter.polls.length - polls).toBeLessThanOrEqual(1);
  });
});

describe('security event poller: settings refused at start-up', () => {
  const endpoint = 'https://ssf.example.com/poll';

  it('refuses a fraction of a millisecond for the timeout or the interval', () => {
    const { receiver } = receiverFor();
    for (const option of ['timeout', 'interval'] as const) {
      for (const value of [0.5, 2 ** 31]) {
        const error = expectConfigError(
          () => securityEventPoller({ endpoint, receiver, [option]: value }),
          `securityEventPoller.${option}`,
        );
        expect(error.problem).toBe('must be a number of milliseconds from 1 to 2147483647');
      }
    }
    expect(() => securityEventPoller({ endpoint, receiver, timeout: 1, interval: 1 })).not.toThrow();
  });

  it('takes maxResponseBytes in whole bytes, from the shortest SET to 64 MiB', () => {
    const { receiver } = receiverFor();
    for (const maxResponseBytes of [0.5, 1, 199, 1024.5, 64 * 1024 * 1024 + 1, 1e300]) {
      const error = expectConfigError(
        () => securityEventPoller({ endpoint, receiver, maxResponseBytes }),
        'securityEventPoller.maxResponseBytes',
      );
      expect(error.problem).toBe('must be an integer from 200 to 67108864');
    }
    expect(() => securityEventPoller({ endpoint, receiver, maxResponseBytes: 200 })).not.toThrow();
    expect(() =>
      securityEventPoller({ endpoint, receiver, maxResponseBytes: 64 * 1024 * 1024 }),
    ).not.toThrow();
  });
});
