import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// Where an introspection endpoint may wrongly point, over real HTTP on loopback: a login page or a
// single-page app that answers every path 200 with HTML, a proxy answering 200 in plain text, and a
// real endpoint (its path /introspect), for comparison. The token names the answer.
const NOW_S = 1_900_000_000;
const clock = () => NOW_S * 1000;

let server: StandInServer;
beforeAll(async () => {
  server = await startStandInServer(({ path, form }) => {
    if (path === '/introspect') return { json: { active: true, scope: 'read', exp: NOW_S + 60 } };
    if (path === '/text') return { body: '{"active":true}', contentType: 'text/plain' };
    if (path === '/no-content') return { status: 204, body: '', contentType: '' };
    if (path === '/down') return { status: 503, body: 'busy', contentType: 'text/plain' };
    // Echoing the request would put the token in the page: the page says only that it is one.
    return {
      body: `<!doctype html><p>Sign in${form.has('token') ? ', then try again' : ''}</p>`,
      contentType: 'text/html; charset=utf-8',
    };
  });
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Observes what @rs writes to console.error (and keeps it out of the test log); replaces nothing of ours. */
function consoleErrors() {
  return vi.spyOn(console, 'error').mockImplementation(() => undefined);
}

function resolverAt(path: string, options: Partial<IntrospectionResolverOptions> = {}) {
  return introspectionResolver({
    endpoint: `${server.origin}${path}`,
    acceptAnyAudience: true,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'S3cr3t-value' },
    retries: 0,
    ...options,
  });
}

describe('a 2xx introspection answer in another media type than asked for is a misconfiguration', () => {
  // The stand-in answers HTML with 200 on every path but its endpoint.
  const htmlPage = '/login';

  it('answers 503 introspection_misconfigured to an HTML page, as to a 404, and tells onError so', async () => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(resolverAt(htmlPage, { onError: (error) => errors.push(error) }), clock);

    const rejection = expectRejected(
      await rs.authenticate(bearerRequest('opaque-token-1')),
      'introspection_misconfigured',
      503,
    );

    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
    expect(errors[0]?.message).toContain('answered "text/html", not application/json');
    expect(errors[0]?.message).toContain('is this the introspection endpoint?');
  });

  it.each([
    ['JSON sent as text/plain', '/text'],
    ['a 204 without content', '/no-content'],
  ])('classes %s the same way', async (_name, path) => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(resolverAt(path, { onError: (error) => errors.push(error) }), clock);
    expectRejected(await rs.authenticate(bearerRequest('opaque-token-2')), 'introspection_misconfigured');
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });

  it('writes it on console.error by default, at most once a minute, without the token or the secret', async () => {
    const written = consoleErrors();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const rs = resourceServerWith(resolverAt(htmlPage), clock);

    for (let i = 0; i < 3; i++)
      expectRejected(await rs.authenticate(bearerRequest('opaque-token-3')), 'introspection_misconfigured');
    expect(written).toHaveBeenCalledTimes(1);
    const line = String(written.mock.calls[0]?.[0]);
    expect(line).toMatch(/^@rs: token introspection is misconfigured: .*answered "text\/html"/);
    expect(line).not.toContain('opaque-token-3');
    expect(line).not.toContain('S3cr3t-value');

    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectRejected(await rs.authenticate(bearerRequest('opaque-token-3')), 'introspection_misconfigured');
    expect(written).toHaveBeenCalledTimes(2);
  });

  it('leaves an outage unavailable and quiet, and a real answer accepted', async () => {
    const written = consoleErrors();
    expectRejected(
      await resourceServerWith(resolverAt('/down'), clock).authenticate(bearerRequest('opaque-token-4')),
      'introspection_unavailable',
    );
    expectAccepted(
      await resourceServerWith(resolverAt('/introspect'), clock).authenticate(
        bearerRequest('opaque-token-4'),
      ),
    );
    expect(written).not.toHaveBeenCalled();
  });
});
