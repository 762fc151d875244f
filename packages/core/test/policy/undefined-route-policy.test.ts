import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AdapterTranslation,
  adapterAuthenticator,
  authenticateOptionalWithRoutePolicy,
  authenticateWithRoutePolicy,
} from '../../src/adapter/index.js';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  type AuditEvent,
  createResourceServer,
  jwtResolver,
  type Rejection,
  type ResourceServer,
  type RsConfigError,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

// A route policy looked up by name (`policies['admn']`, typed `AccessPolicy | undefined` under
// noUncheckedIndexedAccess) and passed to `authenticate` was read as "no policy of the route's own":
// the route's requirement dropped, and every valid token let through. It is refused, by the types
// (the `@ts-expect-error` lines below are checked by `tsc --noEmit -p .`) and at run time.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let readOnly: string;
const policies: Record<string, AccessPolicy> = { admin: { scopes: ['admin'] } };

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  readOnly = await mint(key, { scope: 'read' });
});

const noToken: RsRequest = { method: 'GET', url: API_URL, headers: {} };

/** Asserts that `decision` rejects (rather than throws, or resolves) with an RsConfigError naming `option`. */
async function expectConfigRejection(decision: Promise<unknown>, option: string): Promise<RsConfigError> {
  const thrown = await decision.then(
    () => new Error('expected a rejection, the request was decided'),
    (error: unknown) => error,
  );
  const error = expectConfigError(() => {
    throw thrown;
  }, option);
  expect(error.problem).toMatch(/is undefined: a policy that is misspelt or failed to load\?/);
  return error;
}

/** Both entries' resource servers, built when a test runs (the resolver is made in `beforeAll`). */
const SERVERS: Record<string, () => ResourceServer> = {
  '@rs/core': () => createResourceServer({ resolver, clock: () => NOW_MS }),
  '@rs/core/lite': () => createLiteResourceServer({ resolver, clock: () => NOW_MS }),
};
const ENTRIES = Object.keys(SERVERS);

describe('a route policy given as undefined to authenticate', () => {
  it.each(ENTRIES)(
    '%s: rejects with an RsConfigError, where the policy would have refused',
    async (entry) => {
      const rs = SERVERS[entry]!();
      const request = bearerRequest(readOnly);
      expectRejected(await rs.authenticate(request, policies['admin']!), 'insufficient_scope', 403);
      await expectConfigRejection(
        // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
        rs.authenticate(request, policies['admn']),
        'authenticate(request, policy)',
      );
      // Left out, the route has no policy of its own: the server-wide policy alone decides.
      expectAccepted(await rs.authenticate(request));
    },
  );

  it.each(ENTRIES)('%s: authenticateOptional rejects, whether or not a token came', async (entry) => {
    const rs = SERVERS[entry]!();
    for (const request of [bearerRequest(readOnly), noToken]) {
      await expectConfigRejection(
        // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
        rs.authenticateOptional(request, policies['admn']),
        'authenticateOptional(request, policy)',
      );
    }
    expect(await rs.authenticateOptional(noToken)).toMatchObject({ ok: true, context: undefined });
    expect((await rs.authenticateOptional(bearerRequest(readOnly))).ok).toBe(true);
  });

  it('rejects on a server with onAudit, the mistake recorded as an unavailable decision', async () => {
    const events: AuditEvent[] = [];
    const rs = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      onAudit: (event) => events.push(event),
    });
    await expectConfigRejection(
      // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
      rs.authenticate(bearerRequest(readOnly), policies['admn']),
      'authenticate(request, policy)',
    );
    await expectConfigRejection(
      // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
      rs.authenticateOptional(noToken, policies['admn']),
      'authenticateOptional(request, policy)',
    );
    expect(events.map(({ decision, status }) => ({ decision, status }))).toEqual([
      { decision: 'unavailable', status: 500 },
      { decision: 'unavailable', status: 500 },
    ]);
    expectAccepted(await rs.authenticate(bearerRequest(readOnly)));
    expectRejected(
      await rs.authenticate(bearerRequest(readOnly), { scopes: ['admin'] }),
      'insufficient_scope',
    );
    expect(events.slice(2).map(({ decision }) => decision)).toEqual(['accepted', 'refused']);
  });
});

describe('adapters (`@rs/core/adapter`)', () => {
  const translation: AdapterTranslation<RsRequest, Rejection> = {
    toRsRequest: (request) => request,
    rejectionResponse: (rejection) => rejection,
  };

  it('an AdapterAuthenticator’s authenticate refuses a policy given as undefined, as core does', async () => {
    const authenticator = adapterAuthenticator({ resolver, clock: () => NOW_MS }, translation);
    await expectConfigRejection(
      // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
      authenticator.authenticate(bearerRequest(readOnly), policies['admn']),
      'authenticate(request, policy)',
    );
    expect((await authenticator.authenticate(bearerRequest(readOnly))).ok).toBe(true);
    const refused = await authenticator.authenticate(bearerRequest(readOnly), policies['admin']!);
    expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');
  });

  it('a route declared without a policy calls core without one, required or optional', async () => {
    const authenticator = adapterAuthenticator({ resolver, clock: () => NOW_MS }, translation);
    const route = authenticator.forRoute(undefined, 'protect.policy');
    expect((await route(bearerRequest(readOnly))).ok).toBe(true);
    expect((await route(noToken)).ok).toBe(false);
    const optionalRoute = authenticator.forOptionalRoute(undefined, 'protectOptional.policy');
    expect(await optionalRoute(noToken)).toMatchObject({ ok: true, context: undefined });
    expect((await optionalRoute(bearerRequest(readOnly))).ok).toBe(true);
  });

  it('authenticateWithRoutePolicy passes the policy when there is one, and no argument when there is none', async () => {
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const request = bearerRequest(readOnly);
    expectAccepted(await authenticateWithRoutePolicy(rs, request, policies['admn']));
    expectRejected(await authenticateWithRoutePolicy(rs, request, policies['admin']), 'insufficient_scope');
    const anonymous = await authenticateOptionalWithRoutePolicy(rs, noToken, undefined);
    expect(anonymous).toMatchObject({ ok: true, context: undefined });
    expectRejected(
      await authenticateOptionalWithRoutePolicy(rs, request, policies['admin']),
      'insufficient_scope',
    );
  });
});
