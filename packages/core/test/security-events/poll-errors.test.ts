import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HttpClientError,
  memoryReplayStore,
  RsError,
  revocationList,
  SecurityEventPollError,
  type SecurityEventPoller,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';

/** What the transmitter on loopback answers every poll with. */
interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

let server: Server | undefined;
const pollers: SecurityEventPoller[] = [];

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/**
 * A transmitter on loopback that answers every poll with `answer`; its polling endpoint, with a query
 * that carries a secret (which no message may show), and the number of polls it received.
 */
async function transmitterAnswering(answer: Answer): Promise<{ endpoint: string; polls: () => number }> {
  let polls = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      polls++;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body ?? '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/poll?api_key=poll-s3cret`;
  return { endpoint, polls: () => polls };
}

async function pollerOf(endpoint: string, onError?: (error: unknown) => void) {
  const key = await generateSigningKey('ES256', 'ssf-1');
  const receiver = securityEventReceiver({
    issuer: 'https://ssf.example.com',
    audience: 'https://api.example.com/ssf',
    keys: staticJwks(jwksOf(key)),
    replayStore: memoryReplayStore(),
    revocations: revocationList(),
  });
  const poller = securityEventPoller({
    endpoint,
    receiver,
    returnImmediately: true,
    maxEvents: 2,
    interval: 5,
    ...(onError === undefined ? {} : { onError }),
  });
  pollers.push(poller);
  return poller;
}

const MISCONFIGURED: [string, Answer, RegExp][] = [
  ['404 (a wrong URL)', { status: 404 }, /HTTP 404\b.*polling endpoint/],
  [
    '401 (refused credentials)',
    { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    /HTTP 401\b.*credentials/,
  ],
  [
    '301 (a permanent redirect)',
    { status: 301, headers: { location: 'https://elsewhere.example/poll' } },
    /HTTP 301\b.*redirect/,
  ],
];

const FAILED: [string, Answer, RegExp][] = [
  ['503 (an outage)', { status: 503 }, /HTTP 503\b/],
  ['429 (too many polls)', { status: 429, headers: { 'retry-after': '1' } }, /HTTP 429\b/],
  [
    'a body that is not JSON',
    { status: 200, body: '<html>maintenance</html>' },
    /something other than a JSON object/,
  ],
  [
    'a body that is not UTF-8',
    { status: 200, body: Buffer.from('{"sets":{"\xff":1}}', 'latin1') },
    /not UTF-8/,
  ],
  [
    'an answer nested too deep',
    { status: 200, body: `{"sets":{},"x":${'['.repeat(40)}${']'.repeat(40)}}` },
    /deeper than 32 levels/,
  ],
  ['a "sets" that is no object', { status: 200, body: '{"sets":["a"]}' }, /malformed or oversized "sets"/],
  [
    'more SETs than maxEvents asked for',
    { status: 200, body: JSON.stringify({ sets: { a: 'x', b: 'y', c: 'z' } }) },
    /malformed or oversized "sets"/,
  ],
];

describe('a failed poll is a SecurityEventPollError naming the endpoint', () => {
  it.each([
    ...MISCONFIGURED.map(
      ([name, answer, problem]) => [name, answer, problem, 'ERR_RS_SET_POLL_MISCONFIGURED'] as const,
    ),
    ...FAILED.map(([name, answer, problem]) => [name, answer, problem, 'ERR_RS_SET_POLL_FAILED'] as const),
  ])('answered %s', async (_name, answer, problem, code) => {
    const transmitter = await transmitterAnswering(answer);
    const poller = await pollerOf(transmitter.endpoint);
    const error = await poller.pollOnce().then(
      () => expect.fail('the poll succeeded'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SecurityEventPollError);
    expect(error).toBeInstanceOf(RsError);
    const { code: actual, message, name } = error as SecurityEventPollError;
    expect(actual).toBe(code);
    expect(name).toBe('SecurityEventPollError');
    expect(message).toMatch(problem);
    // The endpoint, without its query: it may carry a secret.
    expect(message).toContain(`${transmitter.endpoint.split('?')[0]}?…`);
    expect(message).not.toContain('poll-s3cret');
  });

  it('reaches onError as the background polling meets it', async () => {
    const transmitter = await transmitterAnswering({ status: 404 });
    const errors: unknown[] = [];
    const poller = await pollerOf(transmitter.endpoint, (error) => errors.push(error));
    poller.start();
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await poller.stop();
    for (const error of errors) {
      expect(error).toBeInstanceOf(SecurityEventPollError);
      expect((error as SecurityEventPollError).code).toBe('ERR_RS_SET_POLL_MISCONFIGURED');
    }
  });

  it('keeps a failed exchange an HttpClientError, as it already names the URL', async () => {
    const transmitter = await transmitterAnswering({ status: 200, body: '{"sets":{}}' });
    const endpoint = transmitter.endpoint;
    // Stopped before the poll: its port refuses the connection.
    const stopped = server as Server;
    server = undefined;
    stopped.close();
    await once(stopped, 'close');
    const poller = await pollerOf(endpoint);
    const error = await poller.pollOnce().then(
      () => expect.fail('the poll succeeded'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(HttpClientError);
    expect(error).not.toBeInstanceOf(SecurityEventPollError);
  });
});

describe('with no onError', () => {
  it.each(MISCONFIGURED)(
    'writes a poll answered %s to console.error, at most once a minute',
    async (_name, answer) => {
      // Observing our own output (and keeping it out of the test log), not replacing anything under test.
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      // The system clock alone is faked: the polls' pauses run on real timers.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      const transmitter = await transmitterAnswering(answer);
      const poller = await pollerOf(transmitter.endpoint);
      poller.start();

      await expect.poll(transmitter.polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      expect(consoleError).toHaveBeenCalledTimes(1);
      const line = String(consoleError.mock.calls[0]?.[0]);
      expect(line).toMatch(/^@rs: the security event poller is misconfigured: /);
      expect(line).toContain(`HTTP ${answer.status}`);
      expect(line).toContain(`${transmitter.endpoint.split('?')[0]}?…`);
      expect(line).not.toContain('poll-s3cret');

      vi.setSystemTime(new Date('2030-01-01T00:00:59Z'));
      const seen = transmitter.polls();
      await expect.poll(transmitter.polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(seen + 3);
      expect(consoleError).toHaveBeenCalledTimes(1);

      vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
      await expect.poll(() => consoleError.mock.calls.length, { timeout: 10_000 }).toBe(2);
      const again = transmitter.polls();
      await expect.poll(transmitter.polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(again + 3);
      expect(consoleError).toHaveBeenCalledTimes(2);
    },
  );

  it.each(FAILED)('writes nothing for a poll answered %s, which may pass', async (_name, answer) => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const transmitter = await transmitterAnswering(answer);
    const poller = await pollerOf(transmitter.endpoint);
    poller.start();
    await expect.poll(transmitter.polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await poller.stop();
    expect(consoleError).not.toHaveBeenCalled();
  });
});
