import { closedPort, startTestAuthorizationServer, type TestAuthorizationServer } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  accessManagementIntrospectionUrl,
  type IntrospectionError,
  introspectionResolver,
  metadataUrls,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectConfigError, expectRejected } from '../helpers.js';
import { basicAuthentication, resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

const OAUTH_METADATA = '/.well-known/oauth-authorization-server';
const OPENID_METADATA = '/.well-known/openid-configuration';

// Two real oidc-providers: one serving RFC 8414 metadata as oidc-provider 9 does, one answering 404 there
// like an OpenID-only server, so that the fallback to OpenID discovery runs against real metadata.
let both: TestAuthorizationServer;
let openIdOnly: TestAuthorizationServer;
beforeAll(async () => {
  [both, openIdOnly] = await Promise.all([
    startTestAuthorizationServer(),
    startTestAuthorizationServer({ oauthMetadata: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([both.close(), openIdOnly.close()]);
});

const standIns: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

function discovering(as: TestAuthorizationServer, issuer = as.issuer) {
  const errors: IntrospectionError[] = [];
  const resolver = introspectionResolver({
    acceptAnyAudience: true,
    issuer,
    clientAuthentication: basicAuthentication(as),
    onError: (error) => errors.push(error),
  });
  return { rs: resourceServerWith(resolver), errors };
}

describe('introspection endpoint discovery from the issuer (real metadata)', () => {
  it('finds the endpoint in RFC 8414 metadata, which oidc-provider 9 serves, and asks only once', async () => {
    const seen = both.metadataRequests.length;
    const { rs, errors } = discovering(both);
    const tokens = await Promise.all([both.issueToken(), both.issueToken()]);

    for (const token of tokens) expectAccepted(await rs.authenticate(bearerRequest(token)));

    expect(both.metadataRequests.slice(seen)).toEqual([OAUTH_METADATA]);
    expect(errors).toEqual([]);
  });

  it('falls back to OpenID discovery when the RFC 8414 URL answers 404', async () => {
    const seen = openIdOnly.metadataRequests.length;
    const { rs, errors } = discovering(openIdOnly);

    expectAccepted(await rs.authenticate(bearerRequest(await openIdOnly.issueToken())));

    expect(openIdOnly.metadataRequests.slice(seen)).toEqual([OAUTH_METADATA, OPENID_METADATA]);
    expect(errors).toEqual([]);
  });

  it('shares one discovery among the first concurrent requests', async () => {
    const seen = openIdOnly.metadataRequests.length;
    const { rs } = discovering(openIdOnly);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => openIdOnly.issueToken()));

    const results = await Promise.all(tokens.map((token) => rs.authenticate(bearerRequest(token))));

    for (const result of results) expectAccepted(result);
    expect(openIdOnly.metadataRequests.slice(seen)).toEqual([OAUTH_METADATA, OPENID_METADATA]);
  });

  it('refuses metadata naming another issuer: 503 introspection_misconfigured', async () => {
    // The same server under another name: its metadata says 127.0.0.1, not localhost.
    const issuer = both.issuer.replace('127.0.0.1', 'localhost');
    const { rs, errors } = discovering(both, issuer);

    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await both.issueToken())),
      'introspection_misconfigured',
    );

    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
    expect(errors[0]?.message).toContain('names issuer');
  });

  it('answers 503 introspection_unavailable when the issuer cannot be reached, and tries again later', async () => {
    const { rs, errors } = discovering(both, `http://127.0.0.1:${await closedPort()}`);
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable');
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable');
    expect(errors.map((error) => error.code)).toEqual([
      'ERR_RS_INTROSPECTION_UNAVAILABLE',
      'ERR_RS_INTROSPECTION_UNAVAILABLE',
    ]);
  });

  async function metadataServer(members: Record<string, unknown>) {
    // A stand-in serving metadata for its own origin (learnt from the Host header) with `members`.
    const server = await startStandInServer((request) => ({
      json: { issuer: `http://${request.headers.host}`, ...members },
    }));
    standIns.push(server);
    const errors: IntrospectionError[] = [];
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      issuer: server.origin,
      clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
      onError: (error) => errors.push(error),
    });
    return { rs: resourceServerWith(resolver), errors };
  }

  it('treats metadata without an introspection_endpoint as a misconfiguration (stand-in metadata)', async () => {
    const { rs, errors } = await metadataServer({});
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
    expect(errors[0]?.message).toContain('no introspection_endpoint');
  });

  it('refuses a discovered endpoint over plain http to a non-loopback host, failing closed', async () => {
    const { rs, errors } = await metadataServer({
      introspection_endpoint: 'http://as.example.com/introspect',
    });
    const result = await rs.authenticate(bearerRequest('abc'));
    expect(result.ok ? 200 : result.rejection.status).toBe(503);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('must use https');
  });

  it('reads "not now" answers of the metadata URL as the server unavailable, not as a misconfiguration', async () => {
    for (const status of [429, 408, 302, 307, 503]) {
      const server = await startStandInServer(() => ({ status, body: '' }));
      standIns.push(server);
      const errors: IntrospectionError[] = [];
      const rs = resourceServerWith(
        introspectionResolver({
          acceptAnyAudience: true,
          issuer: server.origin,
          clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
          onError: (error) => errors.push(error),
        }),
      );
      expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_unavailable', 503);
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
    }
  });

  it('after a failed discovery, waits 1 s, then 2 s, before asking the metadata URL again', async () => {
    // Only the clocks are faked (the wait runs on the monotonic one): the stand-in answers over real
    // loopback HTTP meanwhile.
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    try {
      let members: Record<string, unknown> = {};
      const server = await startStandInServer((request) =>
        request.path === '/introspect'
          ? { json: { active: true, scope: 'read' } }
          : { json: { issuer: `http://${request.headers.host}`, ...members } },
      );
      standIns.push(server);
      const rs = resourceServerWith(
        introspectionResolver({
          acceptAnyAudience: true,
          issuer: server.origin,
          clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' },
          onError: () => undefined,
        }),
      );
      const metadataAsked = () => server.requests.filter((request) => request.path !== '/introspect').length;
      // No introspection_endpoint: every request refused, the metadata asked once a wait.
      for (let i = 0; i < 5; i++)
        expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
      expect(metadataAsked()).toBe(1);
      vi.advanceTimersByTime(999);
      expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
      expect(metadataAsked()).toBe(1);
      vi.advanceTimersByTime(1);
      expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
      expect(metadataAsked()).toBe(2);
      // Fixed on the server: found after the doubled wait, and not asked again once found.
      members = { introspection_endpoint: server.introspectionEndpoint };
      vi.advanceTimersByTime(1_999);
      expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
      expect(metadataAsked()).toBe(2);
      vi.advanceTimersByTime(1);
      for (let i = 0; i < 3; i++) expectAccepted(await rs.authenticate(bearerRequest('abc')));
      expect(metadataAsked()).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  // Metadata announcing an unusable endpoint will not heal by itself: it is a misconfiguration.
  it('reports an unusable discovered endpoint as a misconfiguration', async () => {
    const { rs, errors } = await metadataServer({
      introspection_endpoint: 'http://as.example.com/introspect',
    });
    expectRejected(await rs.authenticate(bearerRequest('abc')), 'introspection_misconfigured');
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });
});

describe('metadata URLs', () => {
  it('tries RFC 8414 (inserted before the path), then OpenID (appended)', () => {
    expect(metadataUrls('https://as.example.com')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://as.example.com/tenant/a/')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/tenant/a',
      'https://as.example.com/tenant/a/.well-known/openid-configuration',
    ]);
  });
});

describe('accessManagementIntrospectionUrl', () => {
  const base = 'https://am.example.com/openam';
  it.each([
    ['/', `${base}/oauth2/realms/root/introspect`],
    ['root', `${base}/oauth2/realms/root/introspect`],
    ['/root', `${base}/oauth2/realms/root/introspect`],
    ['/alpha', `${base}/oauth2/realms/root/realms/alpha/introspect`],
    ['alpha', `${base}/oauth2/realms/root/realms/alpha/introspect`],
    ['/alpha/', `${base}/oauth2/realms/root/realms/alpha/introspect`],
    ['/alpha/beta', `${base}/oauth2/realms/root/realms/alpha/realms/beta/introspect`],
    ['/root/alpha', `${base}/oauth2/realms/root/realms/alpha/introspect`],
  ])('realm %j', (realm, expected) => {
    expect(accessManagementIntrospectionUrl(base, realm)).toBe(expected);
  });

  it('defaults to the top-level realm and ignores trailing slashes on the base URL', () => {
    expect(accessManagementIntrospectionUrl(`${base}/`)).toBe(`${base}/oauth2/realms/root/introspect`);
    expect(accessManagementIntrospectionUrl(`${base}///`, '/alpha')).toBe(
      `${base}/oauth2/realms/root/realms/alpha/introspect`,
    );
  });

  it('refuses a base URL or realm that is not a string (an unset variable) with a configuration error', () => {
    expectConfigError(
      () => accessManagementIntrospectionUrl(process.env.RS_UNSET_AM_URL as string),
      'accessManagementIntrospectionUrl',
    );
    expectConfigError(() => accessManagementIntrospectionUrl(''), 'accessManagementIntrospectionUrl');
    expectConfigError(
      () => accessManagementIntrospectionUrl(base, null as never),
      'accessManagementIntrospectionUrl.realm',
    );
  });

  it('percent-encodes realm names', () => {
    expect(accessManagementIntrospectionUrl(base, '/a b')).toBe(
      `${base}/oauth2/realms/root/realms/a%20b/introspect`,
    );
  });
});
