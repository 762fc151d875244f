import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  memoryReplayStore,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { type HoldingTransmitter, startHoldingTransmitter } from '../security-events/holding-transmitter.js';

// A closed HTTP client stays closed ("ERR_RS_HTTP_CLOSED, which nothing retries"). A started poller
// whose client was closed at shutdown, before the poller was stopped, used to poll it again every
// `interval` without end: onError told each time, and its pauses keeping a process that shut down
// everything else alive. It now ends its polling there, telling onError once.

const INTERVAL_MS = 20;
// Many intervals: a poller still polling would have failed that many more times by then.
const INTERVALS_WAITED = 25;

let transmitter: HoldingTransmitter | undefined;
afterEach(async () => {
  await transmitter?.close();
  transmitter = undefined;
});

async function receiver() {
  return securityEventReceiver({
    issuer: 'https://ssf.example.com',
    audience: 'https://api.example.com/ssf',
    keys: staticJwks(jwksOf(await generateSigningKey('ES256'))),
    replayStore: memoryReplayStore(),
    revocations: revocationList(),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(INTERVAL_MS);
}

describe('a started securityEventPoller whose HTTP client was closed', () => {
  it('ends its polling at the first poll refused, telling onError once', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    const client = undiciHttpClient();
    await client.close();
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: await receiver(),
      interval: INTERVAL_MS,
      httpClient: client,
      onError: (error) => errors.push(error),
    });

    poller.start();
    await until(() => errors.length > 0);
    await sleep(INTERVALS_WAITED * INTERVAL_MS);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
    expect(transmitter.polls).toHaveLength(0);
    await poller.stop();
  });

  it('closed while a long poll is held: that poll ends, and no other follows', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    const client = undiciHttpClient();
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: await receiver(),
      interval: INTERVAL_MS,
      timeout: 60_000,
      httpClient: client,
      onError: (error) => errors.push(error),
    });

    poller.start();
    await until(() => transmitter!.polls.length > 0);
    await client.close();
    await until(() => errors.length > 0);
    await sleep(INTERVALS_WAITED * INTERVAL_MS);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
    expect(transmitter.polls).toHaveLength(1);
    await poller.stop();
  });

  it('polls again at a later start() with a client that answers', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    let client = undiciHttpClient();
    await client.close();
    const errors: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: await receiver(),
      interval: INTERVAL_MS,
      timeout: 60_000,
      // The one given, swapped for a new one here: an application's own client may be reopened.
      httpClient: { send: (request) => client.send(request) },
      onError: (error) => errors.push(error),
    });
    poller.start();
    await until(() => errors.length > 0);

    client = undiciHttpClient();
    poller.start();
    await until(() => transmitter!.polls.length > 0);

    await poller.stop();
    await client.close();
    expect(errors).toHaveLength(1);
  });
});
