import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SecretStore, tokenCache } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, timed, useAuthorizationServer } from '../introspection-setup.js';

// A real oidc-provider (testkit) refuses a replayed client assertion; loopback servers of this file stand
// in front of it or in its place to lose answers, ask for a wait, or count the calls an outage costs.
const authorizationServer = useAuthorizationServer();

/** One request a loopback server of this file received. */
interface SeenRequest {
  /** `performance.now()` when its body had arrived. */
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly form: URLSearchParams;
}

interface LoopbackServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

const servers: LoopbackServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A loopback server recording every request, answered by `answer` (which may take its time). */
async function loopbackServer(
  answer: (request: SeenRequest, response: ServerResponse, index: number) => void | Promise<void>,
): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = createServer(async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request: SeenRequest = {
      at: performance.now(),
      headers: incoming.headers,
      form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    };
    requests.push(request);
    response.on('error', () => undefined);
    await answer(request, response, requests.length - 1);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const loopback: LoopbackServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loopback);
  return loopback;
}

const ACTIVE = JSON.stringify({ active: true, scope: 'read', client_id: 'app-client' });

function answerActive(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/json' }).end(ACTIVE);
}

function answerStatus(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain', ...headers }).end('unavailable');
}

/** The `jti` of the client assertion a request carried. */
function assertionJti(request: SeenRequest): unknown {
  return decodeJwt(request.form.get('client_assertion') ?? '').jti;
}

describe('a retry carries a new client assertion', () => {
  it('private_key_jwt: the answer lost by a gateway after the server saw the assertion, the retry is accepted', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    // A gateway in front of the real server: it forwards each request, and loses the first answer (502)
    // after the server has seen (and spent) that request's assertion.
    const gateway = await loopbackServer(async (request, response, index) => {
      const forwarded = await fetch(as.introspectionEndpoint, {
        method: 'POST',
        headers: {
          'content-type': String(request.headers['content-type']),
          accept: String(request.headers.accept),
        },
        body: request.form.toString(),
      });
      const body = await forwarded.text();
      if (index === 0) return answerStatus(response, 502);
      response
        .writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? '' })
        .end(body);
    });
    const { clientId, privateKey, algorithm, kid } = as.privateKeyJwtClient;
    const { resolver, errors } = introspectAt(as, {
      endpoint: gateway.url,
      // Addressed to the server, not to the gateway's URL.
      clientAuthentication: {
        method: 'private_key_jwt',
        clientId,
        privateKey,
        algorithm,
        kid,
        audience: as.issuer,
      },
      retries: 1,
      retryDelay: 10,
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));

    expect(errors).toEqual([]);
    expect(gateway.requests).toHaveLength(2);
    const [first, retry] = gateway.requests.map(assertionJti);
    expect(typeof first).toBe('string');
    expect(retry).not.toBe(first);
  });

  it('private_key_jwt: each of several retries after 503s signs its own assertion', async () => {
    const as = authorizationServer();
    const server = await loopbackServer((_request, response, index) =>
      index < 2 ? answerStatus(response, 503) : answerActive(response),
    );
    const { clientId, privateKey, algorithm, kid } = as.privateKeyJwtClient;
    const { resolver } = introspectAt(as, {
      endpoint: server.url,
      issuer: undefined,
      clientAuthentication: { method: 'private_key_jwt', clientId, privateKey, algorithm, kid },
      retries: 2,
      retryDelay: 10,
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));

    const jtis = server.requests.map(assertionJti);
    expect(jtis).toHaveLength(3);
    expect(new Set(jtis).size).toBe(3);
  });
});

describe('Retry-After on 503 and 429', () => {
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toUTCString();
  const farWaits: readonly [string, number, string][] = [
    ['503 with delta-seconds', 503, '30'],
    ['429 with delta-seconds', 429, '30'],
    ['503 with an HTTP-date', 503, inSeconds(60)],
    ['429 with an HTTP-date', 429, inSeconds(60)],
  ];

  it.each(farWaits)(
    'is not retried within the request when it asks for longer than the timeout: %s',
    async (_name, status, retryAfter) => {
      const server = await loopbackServer((_request, response) =>
        answerStatus(response, status, { 'retry-after': retryAfter }),
      );
      const { resolver, errors } = introspectAt(authorizationServer(), {
        endpoint: server.url,
        issuer: undefined,
        timeout: 5_000,
        retries: 3,
        retryDelay: 10,
      });

      const { result, elapsed } = await timed(() =>
        resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')),
      );

      expectRejected(result, 'introspection_unavailable');
      expect(server.requests).toHaveLength(1);
      // Given up at once, not after sleeping through the timeout.
      expect(elapsed).toBeLessThan(5_000 / 2);
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
      expect(errors[0]?.message).toMatch(
        new RegExp(`answered HTTP ${status}, asking to be called again in \\d+ s`),
      );
    },
  );

  it('is retried no sooner than it asks when that fits in the timeout', async () => {
    const server = await loopbackServer((_request, response, index) =>
      index === 0 ? answerStatus(response, 503, { 'retry-after': '1' }) : answerActive(response),
    );
    const { resolver, errors } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      timeout: 5_000,
      retries: 1,
      retryDelay: 10,
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));

    expect(server.requests).toHaveLength(2);
    const [first, retry] = server.requests;
    // The pause began after the first request arrived, and lasted the 1 s asked, not the 10 ms retryDelay.
    expect(retry!.at - first!.at).toBeGreaterThanOrEqual(1_000);
    expect(errors).toEqual([]);
  });

  it('a 429 without Retry-After, or one nobody can read, is retried after retryDelay like a 5xx', async () => {
    const server = await loopbackServer((_request, response, index) => {
      if (index === 0) return answerStatus(response, 429);
      if (index === 1) return answerStatus(response, 503, { 'retry-after': 'soon' });
      answerActive(response);
    });
    const { resolver } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      retries: 2,
      retryDelay: 10,
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));
    expect(server.requests).toHaveLength(3);
  });

  it('a Retry-After on a 500 is not read: only 503 and 429 may ask for a wait', async () => {
    const server = await loopbackServer((_request, response, index) =>
      index === 0 ? answerStatus(response, 500, { 'retry-after': '30' }) : answerActive(response),
    );
    const { resolver } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      retries: 1,
      retryDelay: 10,
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));
    expect(server.requests).toHaveLength(2);
  });
});

describe('during an outage each request costs the endpoint one call', () => {
  // The monotonic clock (performance) decides the back-off: it is faked here with Date, moved only by
  // the tests, while timers stay real for the HTTP exchanges.
  const START = new Date('2030-01-01T00:00:00Z').getTime();

  it('after a failed introspection, later ones make one attempt until the window ends, 1 s doubling to 10 s', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(START);
    const server = await loopbackServer((_request, response) => answerStatus(response, 500));
    const { resolver } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      retries: 2,
      retryDelay: 10,
    });
    const rs = resourceServerWith(resolver);
    /** The calls the server saw for one request with a token never seen before. */
    let n = 0;
    async function callsForOneRequest(): Promise<number> {
      const before = server.requests.length;
      expectRejected(await rs.authenticate(bearerRequest(`cold-token-${n++}`)), 'introspection_unavailable');
      return server.requests.length - before;
    }

    for (const window of [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]) {
      // The first request after a window ended retries in full, fails, and opens the next window…
      expect(await callsForOneRequest()).toBe(3);
      // …within which every request still asks the server, once.
      expect(await callsForOneRequest()).toBe(1);
      vi.advanceTimersByTime(window - 1);
      expect(await callsForOneRequest()).toBe(1);
      vi.advanceTimersByTime(1);
    }
  });

  it('never refuses without asking: the first answer after the outage is used, and retries come back at once', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(START);
    let up = false;
    let failNext = 0;
    const server = await loopbackServer((_request, response) => {
      if (up && failNext === 0) return answerActive(response);
      if (failNext > 0) failNext--;
      answerStatus(response, 503);
    });
    const { resolver } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      retries: 1,
      retryDelay: 10,
    });
    const rs = resourceServerWith(resolver);

    expectRejected(await rs.authenticate(bearerRequest('token-1')), 'introspection_unavailable');
    expect(server.requests).toHaveLength(2);

    // Back within the window: the one attempt finds it, and the token is accepted.
    up = true;
    expectAccepted(await rs.authenticate(bearerRequest('token-2')));
    expect(server.requests).toHaveLength(3);

    // That answer ended the back-off: a lost answer right after is retried again.
    failNext = 1;
    expectAccepted(await rs.authenticate(bearerRequest('token-3')));
    expect(server.requests).toHaveLength(5);
  });

  // A reset fails at once and leaves time for the retry; a timeout spends the whole budget, so no retry
  // fits in it. Either opens the window: the next request makes one attempt.
  const unanswered: readonly [string, (response: ServerResponse) => void, number][] = [
    ['a network error (connection reset)', (response) => response.socket?.destroy(), 2],
    ['a timeout (no answer)', () => undefined, 1],
  ];

  it.each(unanswered)('%s opens the window as a 5xx does', async (_name, fail, firstRequestCalls) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    const server = await loopbackServer((_request, response) => fail(response));
    const { resolver, errors } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      timeout: 200,
      retries: 1,
      // Room for a timer that fires a little early on a busy machine: a timeout still leaves no retry.
      retryDelay: 50,
    });
    const rs = resourceServerWith(resolver);

    expectRejected(await rs.authenticate(bearerRequest('token-1')), 'introspection_unavailable');
    expect(server.requests).toHaveLength(firstRequestCalls);
    expectRejected(await rs.authenticate(bearerRequest('token-2')), 'introspection_unavailable');
    expect(server.requests).toHaveLength(firstRequestCalls + 1);
    expect(errors.map((error) => error.code)).toEqual([
      'ERR_RS_INTROSPECTION_UNAVAILABLE',
      'ERR_RS_INTROSPECTION_UNAVAILABLE',
    ]);
  });

  it('a system clock set back while an attempt waits gives no retry extra time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    // The first request is never answered, and the system clock steps back an hour meanwhile (NTP, a
    // resumed virtual machine); any later one would be answered at once.
    const server = await loopbackServer((_request, response, index) => {
      if (index > 0) return answerStatus(response, 503);
      vi.setSystemTime(START - 3_600_000);
    });
    const timeout = 300;
    const { resolver } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      timeout,
      retries: 3,
      retryDelay: 50,
    });
    const rs = resourceServerWith(resolver);

    expectRejected(await rs.authenticate(bearerRequest('token-1')), 'introspection_unavailable');
    // The attempt spent the whole timeout: no retry, where the hour set back once bought three.
    expect(server.requests).toHaveLength(1);
  });

  it('through a token cache, a run of misses costs one call each once the first has failed', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(START);
    const server = await loopbackServer((_request, response) => answerStatus(response, 502));
    const rs = resourceServerWith(
      tokenCache(
        introspectAt(authorizationServer(), {
          endpoint: server.url,
          issuer: undefined,
          retries: 3,
          retryDelay: 10,
        }).resolver,
      ),
    );

    const misses = 20;
    for (let i = 0; i < misses; i++)
      expectRejected(await rs.authenticate(bearerRequest(`cold-${i}`)), 'introspection_unavailable');

    // 1 + retries for the first, then one for each: not misses × (1 + retries).
    expect(server.requests).toHaveLength(4 + (misses - 1));
  });
});

describe('the timeout covers the whole introspection', () => {
  it('a request resent with a re-read secret after a 401 gets only the time left', async () => {
    let secret = 'the-old-secret';
    const store: SecretStore = {
      name: 'rotatingStore',
      keys: (secretId) =>
        secretId === 'agent.secret.id'
          ? [{ jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') }, origin: 'rotating store' }]
          : undefined,
    };
    const timeout = 600;
    // Each answer takes two thirds of the timeout: a second request with a budget of its own would answer.
    const server = await loopbackServer((request, response) => {
      setTimeout(
        () => {
          if (request.form.get('client_secret') === 'the-new-secret') answerActive(response);
          else
            response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        },
        (timeout * 2) / 3,
      );
    });
    const { resolver, errors } = introspectAt(authorizationServer(), {
      endpoint: server.url,
      issuer: undefined,
      timeout,
      clientAuthentication: {
        method: 'client_secret_post',
        clientId: 'rs',
        clientSecret: { store, secretId: 'agent.secret.id' },
      },
    });
    // Rotated after start-up: the first request still sends the old one, and is refused.
    secret = 'the-new-secret';

    const { result, elapsed } = await timed(() =>
      resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')),
    );

    expectRejected(result, 'introspection_unavailable');
    expect(server.requests.map((request) => request.form.get('client_secret'))).toEqual([
      'the-old-secret',
      'the-new-secret',
    ]);
    expect(errors[0]?.message).toMatch(/did not answer within/);
    expect(elapsed).toBeLessThan(timeout + timeout / 2);
  });
});
