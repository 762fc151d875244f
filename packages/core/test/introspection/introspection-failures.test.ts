import { closedPort } from '@rs/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, timed, useAuthorizationServer } from '../introspection-setup.js';

// A real oidc-provider over HTTP on loopback; failures are injected by testkit's HTTP layer in front of it.
const authorizationServer = useAuthorizationServer();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('introspection failures: our own credentials', () => {
  it('answers 503 introspection_misconfigured without a challenge when the server refuses our secret', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const before = as.introspectionRequests;
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: as.basicClient.clientId,
        clientSecret: 'wrong',
      },
    });

    const rejection = expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_misconfigured',
    );

    expect(rejection.status).toBe(503);
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(rejection.headers['www-authenticate']).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_MISCONFIGURED');
    expect(errors[0]?.message).toContain('HTTP 401');
    expect(errors[0]?.message).not.toContain(token);
    // A refusal of our credentials is not retried: asking again cannot help.
    expect(as.introspectionRequests - before).toBe(1);
  });

  it('reports a misconfiguration on console.error by default, at most once a minute', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    // Observing our own output (and keeping it out of the test log), not replacing anything under test.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: as.introspectionEndpoint,
      clientAuthentication: {
        method: 'client_secret_post',
        clientId: as.postClient.clientId,
        clientSecret: 'wrong',
      },
    });
    const rs = resourceServerWith(resolver);

    for (let i = 0; i < 3; i++) {
      expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_misconfigured');
    }
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]?.[0])).toMatch(/introspection is misconfigured/);
    expect(String(consoleError.mock.calls[0]?.[0])).not.toContain(token);

    vi.setSystemTime(new Date('2030-01-01T00:00:59Z'));
    expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_misconfigured');
    expect(consoleError).toHaveBeenCalledTimes(1);

    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_misconfigured');
    expect(consoleError).toHaveBeenCalledTimes(2);
  });

  it('keeps the default reporter quiet when the server is merely unavailable', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: `http://127.0.0.1:${await closedPort()}/introspect`,
      clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 'secret' },
      retries: 0,
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
    );
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('introspection failures: the server cannot be asked', () => {
  it('answers 503 introspection_unavailable quickly when nothing listens', async () => {
    const { resolver, errors } = introspectAt(authorizationServer(), {
      endpoint: `http://127.0.0.1:${await closedPort()}/introspect`,
      retries: 1,
      retryDelay: 50,
    });

    const { result, elapsed } = await timed(() =>
      resourceServerWith(resolver).authenticate(bearerRequest('abc')),
    );

    const rejection = expectRejected(result, 'introspection_unavailable');
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(elapsed).toBeLessThan(1_000);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
  });

  it('gives up on a slow server within the timeout', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    as.delayIntrospection(2_000);
    const { resolver, errors } = introspectAt(as, { timeout: 300, retries: 1 });

    const { result, elapsed } = await timed(() =>
      resourceServerWith(resolver).authenticate(bearerRequest(token)),
    );

    expectRejected(result, 'introspection_unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(300 + 400);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
    expect(errors[0]?.message).toMatch(/did not answer within/);
  });

  const brokenAnswers: readonly [string, number, string, string][] = [
    ['an HTML error page with 500', 500, '<html>oops</html>', 'text/html'],
    ['a 502 from a gateway', 502, 'Bad Gateway', 'text/plain'],
    ['JSON that does not parse', 200, '{"active": tru', 'application/json'],
    ['JSON without active', 200, '{"scope":"read","client_id":"app-client"}', 'application/json'],
    ['active as the string "true"', 200, '{"active":"true","scope":"read"}', 'application/json'],
    ['active as 1', 200, '{"active":1}', 'application/json'],
    ['a JSON array', 200, '[{"active":true}]', 'application/json'],
    ['an empty body', 200, '', 'application/json'],
  ];

  it.each(brokenAnswers)('fails closed with 503 on %s', async (_name, status, body, contentType) => {
    const as = authorizationServer();
    const token = await as.issueToken();
    as.failIntrospection(status, body, contentType);
    const before = as.introspectionRequests;
    const { resolver, errors } = introspectAt(as, { retries: 0 });

    const rejection = expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
    );

    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
    expect(as.introspectionRequests - before).toBe(1);
  });

  // A success in another media type than JSON comes from no introspection endpoint (a login page, a
  // single-page app answering every path): like a 404, a misconfiguration that asking again cannot mend.
  const answersOfNoEndpoint: readonly [string, string, string][] = [
    ['an HTML page with 200', '<html>login</html>', 'text/html'],
    ['JSON sent as text/plain', '{"active":true}', 'text/plain'],
  ];

  it.each(answersOfNoEndpoint)(
    'fails closed with 503 introspection_misconfigured on %s',
    async (_name, body, contentType) => {
      const as = authorizationServer();
      const token = await as.issueToken();
      as.failIntrospection(200, body, contentType);
      const before = as.introspectionRequests;
      const { resolver, errors } = introspectAt(as, { retries: 0 });

      const rejection = expectRejected(
        await resourceServerWith(resolver).authenticate(bearerRequest(token)),
        'introspection_misconfigured',
        503,
      );

      expect(rejection.wwwAuthenticate).toBeUndefined();
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
      expect(as.introspectionRequests - before).toBe(1);
    },
  );

  it('quotes the media type a server chose only when it is one, never its parameters or an echo', async () => {
    // A server may put anything in Content-Type (an echo of the request, with the token or the client's
    // credentials in it): the error message, which reaches logs and status(), quotes a media type only.
    const as = authorizationServer();
    const token = await as.issueToken();
    const cases: readonly [string, string][] = [
      ['text/html; charset=utf-8; echo=' + token, 'answered "text/html", not application/json'],
      [`text/${'x'.repeat(12_000)}`, 'answered another text/… content type, not application/json'],
      [`token=${token}&token_type_hint=access_token`, 'answered a content type that is no media type'],
      [
        `Basic ${Buffer.from('rs:S3cr3t').toString('base64')}`,
        'answered a content type that is no media type',
      ],
      [`application/${token}`, 'answered another application/… content type'],
    ];
    for (const [contentType, said] of cases) {
      as.failIntrospection(200, '{"active":true}', contentType, { times: 1 });
      const { resolver, errors } = introspectAt(as, { retries: 0 });
      expectRejected(
        await resourceServerWith(resolver).authenticate(bearerRequest(token)),
        'introspection_misconfigured',
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toContain(said);
      expect(errors[0]?.message).not.toContain(token);
      expect(errors[0]?.message).not.toContain('cnM6');
    }
  });

  it('retries a 5xx once (retries: 1) and accepts the answer after recovery', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    as.failIntrospection(503, 'busy', 'text/plain', { times: 1 });
    const before = as.introspectionRequests;
    const { resolver, errors } = introspectAt(as, { retries: 1, retryDelay: 20 });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));

    expect(as.introspectionRequests - before).toBe(2);
    expect(errors).toEqual([]);
  });

  it('stops after the configured retries when the server keeps failing', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    as.failIntrospection(500);
    const before = as.introspectionRequests;
    const { resolver } = introspectAt(as, { retries: 2, retryDelay: 10 });

    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
    );
    expect(as.introspectionRequests - before).toBe(3);
  });

  it('refuses an answer larger than maxResponseBytes without retrying', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const before = as.introspectionRequests;
    const { resolver, errors } = introspectAt(as, { maxResponseBytes: 32, retries: 2 });

    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
    );
    expect(errors[0]?.message).toMatch(/exceeds 32 bytes/);
    expect(as.introspectionRequests - before).toBe(1);
  });
});
