// start() and stop() of securityEventPoller: any sequence of calls, awaited or not, leaves the poller as
// the last call asked; stop() ends the poll under way rather than waiting for the transmitter's answer,
// and waits only a bounded time for the last acknowledgements.
import {
  generateSigningKey,
  jwksOf,
  SESSION_REVOKED,
  signSecurityEvent,
  type TestSigningKey,
} from '@rs/testkit';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchHttpClient,
  type HttpClient,
  HttpClientError,
  memoryReplayStore,
  revocationList,
  type SecurityEventPollerOptions,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { type HoldingTransmitter, startHoldingTransmitter } from './holding-transmitter.js';

const ISSUER = 'https://ssf.example.com';
const AUDIENCE = 'https://api.example.com/ssf';

let key: TestSigningKey;
let transmitter: HoldingTransmitter | undefined;
const undici = undiciHttpClient();

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'ssf-1');
});

afterEach(async () => {
  await transmitter?.close();
  transmitter = undefined;
});

afterAll(() => undici.close());

function receiver() {
  return securityEventReceiver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(key)),
    replayStore: memoryReplayStore(),
    revocations: revocationList(),
  });
}

function revokeSession(jti: string): Promise<string> {
  return signSecurityEvent(
    key,
    { [SESSION_REVOKED]: {} },
    { issuer: ISSUER, audience: AUDIENCE, jti, subjectId: { session: { format: 'opaque', id: `s-${jti}` } } },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client passing every request on to `inner`, counting those under way. */
function countingClient(inner: HttpClient) {
  const counts = { sent: 0, settled: 0, inFlight: 0, mostInFlight: 0 };
  const client: HttpClient = {
    async send(request) {
      counts.sent++;
      counts.inFlight++;
      counts.mostInFlight = Math.max(counts.mostInFlight, counts.inFlight);
      try {
        return await inner.send(request);
      } finally {
        counts.inFlight--;
        counts.settled++;
      }
    },
  };
  return { client, counts };
}

type Call = 'start' | 'stop' | 'stop, awaited' | 'a moment';

describe('securityEventPoller: start() and stop() in any order end as the last call asked', () => {
  // The transmitter holds each long poll 40 ms: most calls land while a poll is under way.
  const HOLD = 40;
  const TIMEOUT = 10_000;

  async function run(calls: readonly Call[]): Promise<void> {
    const { client, counts } = countingClient(fetchHttpClient());
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter!.endpoint,
      receiver: receiver(),
      httpClient: client,
      timeout: TIMEOUT,
      interval: 10,
      onError: (error) => errors.push(error),
    });
    const stops: Promise<void>[] = [];
    // A stop() that resolved while a poll of the loop it stopped was under way, with no start() after it.
    const stillPolling: number[] = [];
    let starts = 0;
    try {
      for (const call of calls) {
        if (call === 'start') {
          starts++;
          poller.start();
        } else if (call === 'a moment') {
          await sleep(HOLD / 2);
        } else {
          const startsBefore = starts;
          const stopping = poller.stop().then(() => {
            if (starts === startsBefore && counts.inFlight > 0) stillPolling.push(counts.inFlight);
          });
          stops.push(stopping);
          if (call === 'stop, awaited') await stopping;
        }
      }
      const began = performance.now();
      await Promise.all(stops);
      // Each stop() ends the poll under way instead of waiting for its answer (or its timeout).
      expect(performance.now() - began).toBeLessThan(TIMEOUT / 4);
      const last = calls.filter((call) => call !== 'a moment').at(-1);
      if (last === 'start') {
        const settled = counts.settled;
        await expect
          .poll(() => counts.settled, { timeout: TIMEOUT, interval: 5 })
          .toBeGreaterThan(settled + 2);
      } else {
        const sent = counts.sent;
        expect(counts.inFlight).toBe(0);
        await sleep(4 * HOLD);
        expect(counts.sent).toBe(sent);
      }
      expect(stillPolling).toEqual([]);
      // One loop at a time, whatever the calls: never two polls at once.
      expect(counts.mostInFlight).toBeLessThanOrEqual(1);
      // A poll cut short by stop() is no failure.
      expect(errors).toEqual([]);
    } finally {
      await poller.stop();
    }
  }

  const sequences: Call[][] = [
    ['start', 'stop', 'start'],
    ['start', 'a moment', 'stop', 'start'],
    ['start', 'a moment', 'stop', 'stop', 'start'],
    ['start', 'a moment', 'stop', 'start', 'stop'],
    ['start', 'a moment', 'stop', 'start', 'a moment', 'stop', 'start'],
    ['start', 'a moment', 'stop, awaited', 'start'],
    ['start', 'start', 'a moment', 'stop'],
    ['start', 'a moment', 'stop', 'stop, awaited'],
    ['stop', 'start'],
    ['stop', 'start', 'stop'],
    ['start', 'stop', 'start', 'a moment', 'start'],
  ];

  it.each(sequences.map((calls) => [calls.join(' → '), calls] as const))('%s', async (_name, calls) => {
    transmitter = await startHoldingTransmitter({ hold: HOLD });
    await run(calls);
  });

  it('holds for random sequences of calls', async () => {
    transmitter = await startHoldingTransmitter({ hold: HOLD });
    const call = fc.constantFrom<Call>('start', 'stop', 'stop, awaited', 'a moment');
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 7 }), (calls) => run(calls)),
      { numRuns: 25 },
    );
  }, 60_000);
});

const clients: [string, HttpClient][] = [
  ['fetchHttpClient', fetchHttpClient()],
  ['undiciHttpClient', undici],
];

describe.each(clients)('securityEventPoller.stop() with %s', (_name, httpClient) => {
  // Far above what a stop should take: a stop that waited for the poll would take all of it.
  const TIMEOUT = 20_000;

  function pollerFor(options: Partial<SecurityEventPollerOptions> = {}) {
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter!.endpoint,
      receiver: receiver(),
      httpClient,
      timeout: TIMEOUT,
      onError: (error) => errors.push(error),
      ...options,
    });
    return { poller, errors };
  }

  async function timed(action: () => Promise<void>): Promise<number> {
    const began = performance.now();
    await action();
    return performance.now() - began;
  }

  it('ends a long poll the transmitter holds, without waiting for its answer', async () => {
    transmitter = await startHoldingTransmitter({ hold: TIMEOUT - 1_000 });
    const { poller, errors } = pollerFor();
    poller.start();
    await expect.poll(() => transmitter!.polls.length).toBe(1);
    expect(await timed(() => poller.stop())).toBeLessThan(TIMEOUT / 4);
    expect(errors).toEqual([]);
    await sleep(50);
    expect(transmitter.polls).toHaveLength(1);
    expect(transmitter.polls[0]!.answeredAt).toBeUndefined();
  });

  it('ends a poll the transmitter never answers', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    const { poller, errors } = pollerFor();
    poller.start();
    await expect.poll(() => transmitter!.polls.length).toBe(1);
    expect(await timed(() => poller.stop())).toBeLessThan(TIMEOUT / 4);
    expect(errors).toEqual([]);
  });

  it('sends the acknowledgements the poll it ended carried in a last poll asking for nothing', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    transmitter.enqueue('set-1', await revokeSession('set-1'));
    const { poller, errors } = pollerFor();
    poller.start();
    // The first poll brings the SET; the second carries its acknowledgement, and is held.
    await expect.poll(() => transmitter!.polls.length).toBe(2);
    expect(transmitter.polls[1]!.ack).toEqual(['set-1']);
    expect(await timed(() => poller.stop())).toBeLessThan(TIMEOUT / 4);
    expect(transmitter.polls).toHaveLength(3);
    expect(transmitter.polls[2]).toMatchObject({ ack: ['set-1'], maxEvents: 0, returnImmediately: true });
    expect(transmitter.pending()).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('securityEventPoller.stop(): bounds', () => {
  it('waits at most 5 s for the last acknowledgements, and keeps them for the next poll when they fail', async () => {
    const timeout = 30_000;
    transmitter = await startHoldingTransmitter({
      hold: Number.POSITIVE_INFINITY,
      answersAcknowledgements: false,
    });
    transmitter.enqueue('set-2', await revokeSession('set-2'));
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: receiver(),
      httpClient: fetchHttpClient(),
      timeout,
      onError: (error) => errors.push(error),
    });
    poller.start();
    await expect.poll(() => transmitter!.polls.length).toBe(2);
    const began = performance.now();
    await poller.stop();
    expect(performance.now() - began).toBeLessThan(timeout / 3);
    expect(transmitter.polls[2]).toMatchObject({ ack: ['set-2'], maxEvents: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HttpClientError);
    expect(errors[0]).toMatchObject({
      code: 'ERR_RS_HTTP_TIMEOUT',
      message: expect.stringContaining('5000 ms'),
    });
    // Not delivered: kept, and sent again by the next stop() (or poll).
    transmitter.answerAcknowledgements(true);
    errors.length = 0;
    await poller.stop();
    expect(transmitter.polls).toHaveLength(4);
    expect(transmitter.polls[3]).toMatchObject({ ack: ['set-2'], maxEvents: 0 });
    expect(transmitter.polls[3]!.answeredAt).toBeDefined();
    expect(errors).toEqual([]);
  }, 30_000);

  it('waits for the poll under way when the HTTP client does not heed the signal', async () => {
    const hold = 300;
    transmitter = await startHoldingTransmitter({ hold });
    const inner = fetchHttpClient();
    // A client of one's own that knows nothing of `signal`.
    const heedless: HttpClient = { send: ({ signal: _ignored, ...request }) => inner.send(request) };
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: receiver(),
      httpClient: heedless,
      onError: (error) => errors.push(error),
    });
    poller.start();
    await expect.poll(() => transmitter!.polls.length).toBe(1);
    await poller.stop();
    // The poll was answered before stop() resolved, and none came after.
    expect(transmitter.polls[0]!.answeredAt).toBeDefined();
    await sleep(hold + 50);
    expect(transmitter.polls).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
