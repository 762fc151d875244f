// The troubleshooting row of ERR_RS_SET_CHECK_UNAVAILABLE: "SetCheckUnavailableError from
// receiver.receive(); the push endpoint answers 503 and a poller keeps the SET for the next poll"; cause
// "the transmitter's keys or the replay store could not be reached"; fix "check the transmitter's JWK set
// URL and the replay store". Each is triggered as a deployment meets it, then the fix is applied. The
// transmitter's JWK set and poll endpoint are real servers on loopback; the replay store that cannot be
// reached is one of the application's own whose `remember` rejects, as a store whose backend is down does
// (a real Redis outage is shown in @rs/redis's tests).
import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  SESSION_REVOKED,
  signSecurityEvent,
  startJwksServer,
  startPollTransmitter,
  type TestPollTransmitter,
  type TestSigningKey,
} from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  memoryReplayStore,
  type ReplayStore,
  RsError,
  receivePushedSet,
  remoteJwks,
  revocationList,
  SetCheckUnavailableError,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';

const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';

let transmitterKey: TestSigningKey;
beforeAll(async () => {
  transmitterKey = await generateSigningKey('ES256', 'ssf-1');
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function jwksServer(): Promise<JwksServer> {
  const server = await startJwksServer(jwksOf(transmitterKey));
  closers.push(() => server.close());
  return server;
}

async function pollTransmitter(): Promise<TestPollTransmitter> {
  const transmitter = await startPollTransmitter();
  closers.push(() => transmitter.close());
  return transmitter;
}

function sessionRevoked(jti: string = crypto.randomUUID()): Promise<string> {
  return signSecurityEvent(
    transmitterKey,
    { [SESSION_REVOKED]: { subject: { format: 'opaque', id: 'user-1' } } },
    { issuer: TRANSMITTER, audience: RECEIVER, jti },
  );
}

function receiverOver(
  keys: ReturnType<typeof remoteJwks> | ReturnType<typeof staticJwks>,
  replayStore?: ReplayStore,
) {
  return securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys,
    replayStore: replayStore ?? memoryReplayStore(),
    revocations: revocationList(),
  });
}

/** The transmitter's JWK set, read with the shortest waits after a failure, so the fix shows at once. */
function transmitterKeys(server: JwksServer, errors: Error[]) {
  return remoteJwks({
    url: server.url,
    retryDelay: 1,
    maxRetryDelay: 1,
    onFetchError: (error) => errors.push(error),
  });
}

/**
 * Delivers again (`attempt`) until it is taken, as a transmitter or a poller does, a few milliseconds
 * apart: on a loaded machine the first delivery after the fix may still fall within the key set's
 * back-off from its last failure. A bounded number of attempts, not a time budget.
 */
async function untilTaken(attempt: () => Promise<boolean>): Promise<boolean> {
  for (let tries = 0; tries < 50; tries++) {
    if (await attempt()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

const pushed = (body: string) => ({ method: 'POST', contentType: 'application/secevent+jwt', body }) as const;

describe("the transmitter's JWK set cannot be reached", () => {
  it('receive() rejects with SetCheckUnavailableError; the push endpoint answers 503; the fix takes the SET', async () => {
    const server = await jwksServer();
    await server.down();
    const errors: Error[] = [];
    const receiver = receiverOver(transmitterKeys(server, errors));
    const set = await sessionRevoked();

    const thrown = await receiver.receive(set).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(SetCheckUnavailableError);
    expect(thrown).toBeInstanceOf(RsError);
    expect(thrown).toMatchObject({ code: 'ERR_RS_SET_CHECK_UNAVAILABLE' });
    // Where the URL is named: the key set's own report.
    expect(errors.some((error) => error.message.includes(new URL(server.url).host))).toBe(true);

    const answer = await receivePushedSet(receiver, pushed(set));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();

    // The fix: the JWK set URL answers again. The transmitter delivers the SET again, a little later as
    // transmitters retry a 503 (the key set waits `retryDelay` after its last failure before fetching
    // again), and it is taken.
    await server.up();
    expect(
      await untilTaken(() => receivePushedSet(receiver, pushed(set)).then(({ status }) => status === 202)),
    ).toBe(true);
  });

  it('a poller neither acknowledges nor refuses the SET: it stays for the next poll, and is taken after the fix', async () => {
    const server = await jwksServer();
    await server.down();
    const transmitter = await pollTransmitter();
    const reported: unknown[] = [];
    const poller = securityEventPoller({
      endpoint: transmitter.endpoint,
      receiver: receiverOver(transmitterKeys(server, [])),
      returnImmediately: true,
      onError: (error) => reported.push(error),
    });
    transmitter.enqueue('set-1', await sessionRevoked('set-1'));

    await poller.pollOnce();
    expect(reported.some((error) => error instanceof SetCheckUnavailableError)).toBe(true);
    await poller.pollOnce();
    expect(transmitter.polls.at(-1)?.ack ?? []).not.toContain('set-1');
    expect(Object.keys(transmitter.polls.at(-1)?.setErrs ?? {})).not.toContain('set-1');
    expect(transmitter.pending()).toEqual(['set-1']);

    await server.up();
    // Polls go on, as a started poller's would, until the SET is taken and acknowledged.
    expect(
      await untilTaken(async () => {
        await poller.pollOnce();
        return transmitter.pending().length === 0;
      }),
    ).toBe(true);
    expect(transmitter.polls.flatMap((poll) => poll.ack ?? [])).toContain('set-1');
  });
});

describe('the replay store cannot be reached', () => {
  it('receive() rejects with SetCheckUnavailableError, the store failure its cause; push answers 503', async () => {
    let storeDown = true;
    const backendDown = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const working = memoryReplayStore();
    const replayStore: ReplayStore = {
      remember: (key, ttlMs) => (storeDown ? Promise.reject(backendDown) : working.remember(key, ttlMs)),
    };
    const receiver = receiverOver(staticJwks(jwksOf(transmitterKey)), replayStore);
    const set = await sessionRevoked();

    const thrown = await receiver.receive(set).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(SetCheckUnavailableError);
    expect(thrown).toMatchObject({ code: 'ERR_RS_SET_CHECK_UNAVAILABLE', cause: backendDown });
    expect((await receivePushedSet(receiver, pushed(set))).status).toBe(503);

    storeDown = false;
    expect((await receivePushedSet(receiver, pushed(set))).status).toBe(202);
  });
});
