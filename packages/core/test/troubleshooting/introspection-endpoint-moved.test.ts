// The troubleshooting rows say a redirect is never followed ("configure the final URL rather than one that
// redirects") and that a wrong URL is not silent. A JWK set URL or a metadata URL that answers a permanent
// redirect, a 410 or another 4xx is a misconfiguration, written to console.error by default; the
// introspection endpoint answering the same was counted as an outage (ERR_RS_INTROSPECTION_UNAVAILABLE) and
// kept quiet, so an endpoint configured as `http://…` behind an https redirect, or without the trailing
// slash the server wants, answered every request 503 and told nobody why. Real HTTP on loopback.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResourceServer, type IntrospectionError, introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

const standIns: StandInServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

/**
 * An authorization server whose introspection endpoint moved to `/oauth2/introspect`: the old path answers
 * `status` (a redirect there, or a status saying it is gone).
 */
async function movedEndpoint(status: number): Promise<StandInServer> {
  const server = await startStandInServer((request) =>
    request.path === '/oauth2/introspect' ? { json: { active: true, scope: 'read' } } : { status, body: '' },
  );
  standIns.push(server);
  return server;
}

function resourceServerAt(url: string, onError?: (error: IntrospectionError) => void) {
  return createResourceServer({
    resolver: introspectionResolver({
      endpoint: url,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
      acceptAnyAudience: true,
      ...(onError === undefined ? {} : { onError }),
    }),
  });
}

describe('an introspection endpoint that answers a permanent redirect or a 4xx saying the URL is wrong', () => {
  it.each([301, 308, 410, 406])(
    'HTTP %i: ERR_RS_INTROSPECTION_MISCONFIGURED to onError, naming the URL; requests get 503 without a challenge',
    async (status) => {
      const server = await movedEndpoint(status);
      const errors: IntrospectionError[] = [];
      const rs = resourceServerAt(server.introspectionEndpoint, (error) => errors.push(error));
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest('opaque-token')),
        'introspection_misconfigured',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
      expect(rejection.body.code).toBe('introspection_misconfigured');
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
      expect(errors[0]?.message).toContain(server.introspectionEndpoint);
      expect(errors[0]?.message).toContain(`HTTP ${status}`);
      if (status < 400) expect(errors[0]?.message).toContain('configure the final URL');
      // Not retried: asking again would be answered the same.
      expect(server.requests).toHaveLength(1);
    },
  );

  it('is written to console.error by default, once a minute at most', async () => {
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await movedEndpoint(301);
    const rs = resourceServerAt(server.introspectionEndpoint);
    for (let i = 0; i < 3; i++)
      expectRejected(
        await rs.authenticate(bearerRequest(`opaque-token-${i}`)),
        'introspection_misconfigured',
        503,
      );
    expect(written).toHaveBeenCalledTimes(1);
    expect(String(written.mock.calls[0]?.[0])).toContain(server.introspectionEndpoint);
  });

  it('goes away once the final URL is configured (the documented fix)', async () => {
    const server = await movedEndpoint(301);
    const errors: IntrospectionError[] = [];
    const rs = resourceServerAt(`${server.origin}/oauth2/introspect`, (error) => errors.push(error));
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    expect(errors).toEqual([]);
  });
});

describe('an introspection endpoint answering "not now"', () => {
  it.each([302, 307, 408])(
    'HTTP %i stays an outage: ERR_RS_INTROSPECTION_UNAVAILABLE, not written',
    async (status) => {
      const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const server = await movedEndpoint(status);
      const errors: IntrospectionError[] = [];
      const reported = resourceServerAt(server.introspectionEndpoint, (error) => errors.push(error));
      expectRejected(
        await reported.authenticate(bearerRequest('opaque-token')),
        'introspection_unavailable',
        503,
      );
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
      const quiet = resourceServerAt(server.introspectionEndpoint);
      expectRejected(
        await quiet.authenticate(bearerRequest('opaque-token')),
        'introspection_unavailable',
        503,
      );
      expect(written).not.toHaveBeenCalled();
    },
  );
});
