import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { introspectionResolver, type SecretStore } from '../../src/index.js';
import { clientSecretSource } from '../../src/introspection/client-secret.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// The waits the introspection resolver keeps for the authorization server's sake (after a failed
// discovery, after introspections that got no answer, a stored secret's refresh interval) run on the
// monotonic clock: a step of the system clock (an NTP correction, a virtual machine resumed) must neither
// keep answering requests with a failure long after the server is back, nor end a wait early. Only Date
// and performance are faked, so that each moves on its own: the servers answer over real loopback HTTP.

const HOUR_MS = 3_600_000;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Both clocks on, as time passes. */
function timePasses(ms: number): void {
  vi.advanceTimersByTime(ms);
}

/** The system clock alone stepped by `ms` (back when negative); the monotonic clock does not move. */
function systemClockStepped(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

async function standIn(answer: Parameters<typeof startStandInServer>[0]): Promise<StandInServer> {
  const server = await startStandInServer(answer);
  servers.push(server);
  return server;
}

describe('the wait after a failed discovery', () => {
  /** An issuer whose metadata answers 503 while `down`. */
  async function issuerWithMetadata() {
    const state = { down: true };
    const server = await standIn((request) => {
      if (request.path === '/introspect') return { json: { active: true, scope: 'read' } };
      return state.down
        ? { status: 503, json: { error: 'temporarily_unavailable' } }
        : {
            json: {
              issuer: `http://${request.headers.host}`,
              introspection_endpoint: server.introspectionEndpoint,
            },
          };
    });
    const rs = resourceServerWith(
      introspectionResolver({
        acceptAnyAudience: true,
        issuer: server.origin,
        clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
        onError: () => undefined,
      }),
    );
    const metadataAsked = () => server.requests.filter((request) => request.path !== '/introspect').length;
    return { state, rs, metadataAsked };
  }

  it('ends when its time has passed, though the system clock was set back an hour meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { state, rs, metadataAsked } = await issuerWithMetadata();
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    state.down = false;
    timePasses(1_000);
    systemClockStepped(-HOUR_MS);
    expectAccepted(await rs.authenticate(bearerRequest('abc')));
    expect(metadataAsked()).toBe(2);
  });

  it('is not cut short by a system clock set forward an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { state, rs, metadataAsked } = await issuerWithMetadata();
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    state.down = false;
    systemClockStepped(HOUR_MS);
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    expect(metadataAsked()).toBe(1);
    timePasses(1_000);
    expectAccepted(await rs.authenticate(bearerRequest('abc')));
    expect(metadataAsked()).toBe(2);
  });
});

describe('the pause of retries after an introspection that got no answer', () => {
  /** An endpoint answering 503 to the next `failing` calls, then an active token. */
  async function flakyEndpoint() {
    const state = { failing: 2 };
    const server = await standIn(() => {
      if (state.failing > 0) {
        state.failing--;
        return { status: 503, json: { error: 'temporarily_unavailable' } };
      }
      return { json: { active: true, scope: 'read' } };
    });
    const rs = resourceServerWith(
      introspectionResolver({
        endpoint: server.introspectionEndpoint,
        acceptAnyAudience: true,
        retries: 1,
        retryDelay: 10,
        clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
        onError: () => undefined,
      }),
    );
    return { state, rs, server };
  }

  it('ends when its time has passed, though the system clock was set back an hour meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { state, rs, server } = await flakyEndpoint();
    // Both attempts unanswered: retries pause for 1 s.
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    expect(server.requests).toHaveLength(2);
    timePasses(1_000);
    systemClockStepped(-HOUR_MS);
    // One more lost answer: retried, as the pause is over.
    state.failing = 1;
    expectAccepted(await rs.authenticate(bearerRequest('abc')));
    expect(server.requests).toHaveLength(4);
  });

  it('is not cut short by a system clock set forward an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { state, rs, server } = await flakyEndpoint();
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    systemClockStepped(HOUR_MS);
    state.failing = 1;
    // Still paused: a single attempt, which the server does not answer.
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
    expect(server.requests).toHaveLength(3);
  });
});

describe('a Retry-After date', () => {
  // The server's clock: its answers say it in `Date`, and its Retry-After dates are written on it.
  const SERVER_NOW = Date.parse('2030-01-01T00:00:00Z');
  const httpDate = (ms: number) => new Date(ms).toUTCString();

  /** An endpoint that answers 503 asking for a wait of 1 s by date, then an active token. */
  async function endpointAskingOneSecond() {
    const calls: number[] = [];
    const server = createServer((request, response: ServerResponse) => {
      request.resume();
      request.on('end', () => {
        // Real time: only Date is faked in these tests.
        calls.push(performance.now());
        if (calls.length === 1) {
          response
            .writeHead(503, {
              date: httpDate(SERVER_NOW),
              'retry-after': httpDate(SERVER_NOW + 1_000),
              'content-type': 'application/json',
            })
            .end('{"error":"temporarily_unavailable"}');
        } else {
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"active":true}');
        }
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    const resolver = introspectionResolver({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
      acceptAnyAudience: true,
      retries: 1,
      retryDelay: 10,
      timeout: 10_000,
      clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
      onError: () => undefined,
    });
    return { rs: resourceServerWith(resolver), calls };
  }

  it("is measured from the answer's Date: a system clock an hour behind still retries after 1 s", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(SERVER_NOW - HOUR_MS);
    const { rs, calls } = await endpointAskingOneSecond();
    expectAccepted(await rs.authenticate(bearerRequest('abc')));
    expect(calls).toHaveLength(2);
  });

  it("is measured from the answer's Date: a system clock an hour ahead still waits the 1 s asked", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(SERVER_NOW + HOUR_MS);
    const { rs, calls } = await endpointAskingOneSecond();
    expectAccepted(await rs.authenticate(bearerRequest('abc')));
    expect(calls).toHaveLength(2);
    // A lower bound only: the wait asked for, never less (a loaded machine may take longer).
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(990);
  });
});

describe("a stored secret's refresh interval", () => {
  function rotatingStore(initial: string) {
    let value = initial;
    let reads = 0;
    const store: SecretStore = {
      name: 'rotatingStore',
      keys: () => {
        reads++;
        return [
          { jwk: { kty: 'oct', k: Buffer.from(value).toString('base64url') }, origin: 'rotating store' },
        ];
      },
    };
    return { store, reads: () => reads, set: (next: string) => (value = next) };
  }

  it('passes with time, whatever steps the system clock takes', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const rotating = rotatingStore('first');
    const source = clientSecretSource({ store: rotating.store, secretId: 'id' }, 60, 'x.clientSecret');
    rotating.set('second');
    // Set forward an hour: the interval has not passed, the store is not read.
    systemClockStepped(HOUR_MS);
    expect(source.current()).toBe('first');
    expect(rotating.reads()).toBe(1);
    // Set back two hours while the interval passes: the rotated secret is read.
    timePasses(60_000);
    systemClockStepped(-2 * HOUR_MS);
    expect(source.current()).toBe('second');
    expect(rotating.reads()).toBe(2);
  });
});
