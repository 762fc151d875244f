import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { generateSigningKey, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  type ReplayStore,
  remoteJwks,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { API_URL, AUDIENCE, bearerRequest, ISSUER, mint, NOW_MS } from '../helpers.js';
import { startStandInServer } from '../stand-in-authorization-server.js';
import { recordTelemetry, sumOf } from './telemetry-setup.js';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

function jwtServer(onAudit: (event: AuditEvent) => void, extra: Record<string, unknown> = {}) {
  return createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [key.publicJwk] }),
    }),
    clock: () => NOW_MS,
    policy: { scopes: ['read'] },
    onAudit,
    ...extra,
  });
}

describe('audit events', () => {
  it('records an accepted request with the jti as tracking ID, client, subject, scopes and path only', async () => {
    const events: AuditEvent[] = [];
    const rs = jwtServer((event) => events.push(event));
    const token = await mint(key, { sub: 'alice', client_id: 'app', scope: 'read write', jti: 'jti-1' });
    const result = await rs.authenticate(bearerRequest(token, { url: `${API_URL}?q=1` }), {
      scopes: ['write'],
    });
    expect(result.ok).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'rs.decision',
        decision: 'accepted',
        status: 200,
        time: NOW_MS,
        method: 'GET',
        path: '/resource',
        scheme: 'Bearer',
        trackingId: 'jti-1',
        tokenId: 'jti-1',
        issuer: ISSUER,
        clientId: 'app',
        subject: 'alice',
        scopesRequired: ['read', 'write'],
        scopesGranted: ['read', 'write'],
      }),
    ]);
    expect(events[0]?.code).toBeUndefined();
  });

  it("prefers Access Management's auditTrackingId, and keeps who asked when the policy refuses", async () => {
    const events: AuditEvent[] = [];
    const rs = jwtServer((event) => events.push(event));
    const token = await mint(key, { sub: 'bob', scope: 'profile', jti: 'j', auditTrackingId: 'am-42' });
    const result = await rs.authenticate(bearerRequest(token));
    expect(result.ok).toBe(false);
    expect(events[0]).toMatchObject({
      decision: 'refused',
      code: 'insufficient_scope',
      status: 403,
      trackingId: 'am-42',
      tokenId: 'j',
      subject: 'bob',
      scopesGranted: ['profile'],
    });
  });

  it('records refusals before resolution without token facts, and unavailability as such', async () => {
    const events: AuditEvent[] = [];
    const rs = jwtServer((event) => events.push(event));
    await rs.authenticate({ method: 'GET', url: API_URL, headers: {} });
    expect(events[0]).toMatchObject({ decision: 'refused', code: 'token_missing', status: 401 });
    expect(events[0]?.subject).toBeUndefined();

    const unreachable = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: 'http://127.0.0.1:9/jwks', timeout: 2_000 }),
      }),
      clock: () => NOW_MS,
      onAudit: (event) => events.push(event),
    });
    await unreachable.authenticate(bearerRequest(await mint(key)));
    expect(events[1]).toMatchObject({ decision: 'unavailable', code: 'keys_unavailable', status: 503 });
  });

  it('ignores a throwing hook: the answer stays the same', async () => {
    const rs = jwtServer(() => {
      throw new Error('log sink down');
    });
    const result = await rs.authenticate(bearerRequest(await mint(key, { scope: 'read' })));
    expect(result.ok).toBe(true);
  });

  it('ignores an async hook that rejects: no unhandled rejection, and the answer does not wait for it', async () => {
    const unhandled: unknown[] = [];
    const recordUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', recordUnhandled);
    try {
      let settleHook: (() => void) | undefined;
      const rs = jwtServer(async () => {
        // A log sink that is slow, then fails.
        await new Promise<void>((resolve) => {
          settleHook = resolve;
        });
        throw new Error('log sink down');
      });
      const result = await rs.authenticate(bearerRequest(await mint(key, { scope: 'read' })));
      expect(result.ok).toBe(true);
      expect(settleHook).toBeDefined();
      settleHook?.();
      // Unhandled rejections are reported once the microtask queue has drained.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', recordUnhandled);
    }
  });
});

describe('OpenTelemetry', () => {
  it('makes one span per authenticate, with stage events and who, never the token', async () => {
    const recorded = recordTelemetry();
    const rs = jwtServer(() => {}, { telemetry: recorded.telemetry });
    const token = await mint(key, { sub: 'alice', client_id: 'app', scope: 'read', jti: 'jti-9' });
    await rs.authenticate(bearerRequest(token));
    await rs.authenticate(bearerRequest(await mint(key, { scope: 'none' })));
    const [accepted, refused] = recorded.spans();
    expect(accepted?.name).toBe('rs.authenticate');
    expect(accepted?.events.map((event) => event.name)).toEqual(['rs.extract', 'rs.resolve', 'rs.authorize']);
    expect(accepted?.attributes).toMatchObject({
      'rs.decision': 'accepted',
      'rs.issuer': ISSUER,
      'rs.client_id': 'app',
      'rs.subject': 'alice',
      'rs.token.id': 'jti-9',
      'rs.tracking_id': 'jti-9',
      'http.request.method': 'GET',
      'url.path': '/resource',
    });
    expect(refused?.attributes).toMatchObject({
      'rs.decision': 'refused',
      'error.type': 'insufficient_scope',
      'http.response.status_code': 403,
    });
    // An accepted request's status is the application's to set.
    expect(accepted?.attributes).not.toHaveProperty('http.response.status_code');
    expect(await recorded.dump()).not.toContain(token);

    const requests = await recorded.points('rs.requests');
    expect(sumOf(requests, { 'rs.decision': 'accepted' })).toBe(1);
    expect(sumOf(requests, { 'error.type': 'insufficient_scope' })).toBe(1);
    expect(sumOf(await recorded.points('rs.authenticate.duration'))).toBe(2);
  });

  it('records cache hits and misses, introspection calls and their latency', async () => {
    const standIn = await startStandInServer(({ form }) => ({
      json: form.get('token') === 'good' ? { active: true, sub: 's', scope: 'read' } : { active: false },
    }));
    try {
      const recorded = recordTelemetry();
      const introspection = introspectionResolver({
        endpoint: standIn.introspectionEndpoint,
        clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 'rs-secret' },
        acceptAnyAudience: true,
      });
      const rs = createResourceServer({
        resolver: tokenCache(introspection),
        telemetry: recorded.telemetry,
        requireHttps: false,
      });
      await rs.authenticate(bearerRequest('good'));
      await rs.authenticate(bearerRequest('good'));
      await rs.authenticate(bearerRequest('revoked'));
      const [first, second] = recorded.spans();
      expect(first?.events.map((event) => event.name)).toEqual([
        'rs.extract',
        'rs.cache.lookup',
        'rs.introspection',
        'rs.resolve',
        'rs.authorize',
      ]);
      expect(first?.events[1]?.attributes).toEqual({ 'rs.cache.hit': false });
      expect(second?.events[1]?.attributes).toEqual({ 'rs.cache.hit': true });
      const latency = await recorded.points('rs.introspection.duration');
      expect(sumOf(latency, { 'rs.introspection.outcome': 'active' })).toBe(1);
      expect(sumOf(latency, { 'rs.introspection.outcome': 'inactive' })).toBe(1);
      expect(sumOf(await recorded.points('rs.cache.hits'))).toBe(1);
      expect(sumOf(await recorded.points('rs.cache.misses'))).toBe(2);
      expect(sumOf(await recorded.points('rs.cache.evictions'))).toBe(0);
      expect(
        sumOf(await recorded.points('rs.dependency.ready'), { 'rs.dependency.kind': 'introspection' }),
      ).toBe(1);
    } finally {
      await standIn.close();
    }
  });

  it("makes the request's span the active one while resolvers run, for the HTTP client's spans", async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const recorded = recordTelemetry();
      const activeDuringResolve: Array<string | undefined> = [];
      const rs = createResourceServer({
        resolver: {
          cacheNamespace: 'active-span-probe',
          async resolve() {
            await new Promise((resolve) => setTimeout(resolve, 1));
            activeDuringResolve.push(trace.getActiveSpan()?.spanContext().spanId);
            return { ok: false, failure: { code: 'token_inactive', description: 'probe' } };
          },
        },
        clock: () => NOW_MS,
        telemetry: recorded.telemetry,
      });
      await rs.authenticate(bearerRequest('probe'));
      expect(activeDuringResolve).toEqual([recorded.spans()[0]?.spanContext().spanId]);
      expect(trace.getActiveSpan()).toBeUndefined();
    } finally {
      context.disable();
      manager.disable();
    }
  });

  it('reports each dependency apart: a JWK set that is down is not hidden by one that is up', async () => {
    const standIn = await startStandInServer(() => ({ json: { keys: [key.publicJwk] } }));
    try {
      const recorded = recordTelemetry();
      // Two resource servers sharing one `otel()`, as documented: each with its own JWK set.
      const serverWith = (url: string) =>
        createResourceServer({
          resolver: jwtResolver({
            issuer: ISSUER,
            audience: AUDIENCE,
            keys: remoteJwks({ url, timeout: 2_000 }),
          }),
          clock: () => NOW_MS,
          telemetry: recorded.telemetry,
        });
      const down = serverWith('http://127.0.0.1:9/jwks');
      const up = serverWith(`${standIn.origin}/jwks`);
      // Two more on the same URL: their fetches add up rather than one replacing the other.
      const againDown = serverWith('http://127.0.0.1:9/jwks');
      const token = await mint(key);
      for (const rs of [down, up, againDown]) await rs.authenticate(bearerRequest(token));
      expect(down.status().ready).toBe(false);
      expect(up.status().ready).toBe(true);

      const ready = await recorded.points('rs.dependency.ready');
      const jwkSets = ready.filter((point) => point.attributes['rs.dependency.kind'] === 'jwk-set');
      expect(Object.fromEntries(jwkSets.map((point) => [point.attributes['url.full'], point.value]))).toEqual(
        {
          'http://127.0.0.1:9/jwks': 0,
          [`${standIn.origin}/jwks`]: 1,
        },
      );
      const fetches = await recorded.points('rs.jwks.fetches');
      expect(
        sumOf(fetches, { 'rs.jwks.fetch.outcome': 'failure', 'url.full': 'http://127.0.0.1:9/jwks' }),
      ).toBe(2);
    } finally {
      await standIn.close();
    }
  });

  it('counts JWK fetches by outcome and replay-store failures', async () => {
    const recorded = recordTelemetry();
    const failingStore: ReplayStore = {
      remember: () => Promise.reject(new Error('connection refused')),
    };
    const rs = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: 'http://127.0.0.1:9/jwks', timeout: 2_000 }),
      }),
      dpop: { replayStore: failingStore },
      clock: () => NOW_MS,
      telemetry: recorded.telemetry,
    });
    await rs.authenticate(bearerRequest(await mint(key)));
    const fetches = await recorded.points('rs.jwks.fetches');
    expect(
      sumOf(fetches, { 'rs.jwks.fetch.outcome': 'failure', 'url.full': 'http://127.0.0.1:9/jwks' }),
    ).toBe(1);
    expect(sumOf(fetches, { 'rs.jwks.fetch.outcome': 'success' })).toBe(0);
    expect(sumOf(await recorded.points('rs.dependency.ready'), { 'rs.dependency.kind': 'jwk-set' })).toBe(0);

    // A DPoP request whose proof is fine reaches the replay store only once the token is accepted.
    const dpop = await dpopKey();
    const bound = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks({ keys: [key.publicJwk] }),
      }),
      dpop: { replayStore: failingStore },
      clock: () => NOW_MS,
      telemetry: recorded.telemetry,
    });
    const token = await mint(key, { cnf: { jkt: dpop.jkt } });
    const result = await bound.authenticate(dpopRequest(token, await makeProof(dpop, {}, { token })));
    expect(result.ok ? undefined : result.rejection.code).toBe('replay_check_unavailable');
    expect(sumOf(await recorded.points('rs.replay_store.failures'))).toBe(1);
    const span = recorded.spans().at(-1);
    expect(span?.events.map((event) => event.name)).toEqual([
      'rs.extract',
      'rs.dpop_proof',
      'rs.resolve',
      'rs.confirm',
    ]);
    expect(span?.status).toMatchObject({ code: 2, message: 'replay_check_unavailable' });
  });
});
