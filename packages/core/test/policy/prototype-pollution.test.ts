import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  type AuthResult,
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A prototype pollution elsewhere in the process (a vulnerable deep merge of request data) sets members
// on Object.prototype after the resource server started. Claims are parsed JSON and policies are frozen
// copies: what they inherit is no part of the token or of the policy, and must neither grant a scope nor
// meet a step-up demand nor turn a list of required scopes into an any-of.

let key: TestSigningKey;
let jwt: AccessTokenResolver;
let authorizationServer: StandInServer;
let answer: Record<string, unknown> = {};
let introspection: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  authorizationServer = await startStandInServer(() => ({ json: answer }));
  introspection = introspectionResolver({
    endpoint: authorizationServer.introspectionEndpoint,
    issuer: ISSUER,
    audience: AUDIENCE,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'S3cr3t-value' },
    retries: 0,
  });
});
afterAll(() => authorizationServer.close());

/** Runs `decide` with `member` set on Object.prototype, always removing it again. */
async function polluted<T>(member: string, value: unknown, decide: () => Promise<T>): Promise<T> {
  Object.defineProperty(Object.prototype, member, { value, configurable: true, writable: true });
  try {
    return await decide();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[member];
  }
}

type TokenForm = 'JWT' | 'introspected token';

/** The decision for a token carrying `claims` (a JWT, or an opaque token whose answer has them). */
async function decide(
  form: TokenForm,
  claims: Record<string, unknown>,
  routePolicy: AccessPolicy,
  pollution: readonly [member: string, value: unknown],
): Promise<AuthResult> {
  const resolver = form === 'JWT' ? jwt : introspection;
  const server = createResourceServer({ resolver, clock: () => NOW_MS, realm: 'api' });
  const checked = server.checkPolicy(routePolicy, 'route');
  answer = { active: true, iss: ISSUER, aud: AUDIENCE, iat: NOW_S, exp: NOW_S + 300, ...claims };
  const token = form === 'JWT' ? await mint(key, { scope: undefined, ...claims }) : 'opaque-token-value';
  return polluted(pollution[0], pollution[1], () => server.authenticate(bearerRequest(token), checked));
}

describe.each<TokenForm>(['JWT', 'introspected token'])('a polluted Object.prototype, %s', (form) => {
  it.each([
    ['scope', 'admin'],
    ['scp', ['admin']],
  ])('grants no scope through an inherited "%s"', async (member, value) => {
    const rejection = expectRejected(
      await decide(form, { sub: 'alice' }, { scopes: ['admin'] }, [member, value]),
      'insufficient_scope',
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a scope this ' +
        'request requires", scope="admin"',
    );
  });

  it('reads a list of required scopes as all of them, not as an inherited { anyOf }', async () => {
    const rejection = expectRejected(
      await decide(form, { scope: 'openid' }, { scopes: ['admin'] }, ['anyOf', ['openid']]),
      'insufficient_scope',
    );
    expect(rejection.wwwAuthenticate).toContain('scope="admin"');
  });

  it('meets no acr demand with an inherited "acr"', async () => {
    const rejection = expectRejected(
      await decide(form, { scope: 'admin' }, { acrValues: ['urn:mfa'] }, ['acr', 'urn:mfa']),
      'insufficient_user_authentication',
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="The authentication ' +
        'context class of the access token is not sufficient for this resource", acr_values="urn:mfa"',
    );
  });

  it('meets no max_age demand with an inherited "auth_time"', async () => {
    const rejection = expectRejected(
      await decide(form, { scope: 'admin' }, { maxAge: 60 }, ['auth_time', NOW_S]),
      'insufficient_user_authentication',
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="The access token ' +
        'does not say when the user authenticated", max_age="60"',
    );
  });

  it('names no subject or client the token does not carry', async () => {
    const context = expectAccepted(
      await decide(form, { scope: 'read', sub: undefined, client_id: undefined }, { scopes: ['read'] }, [
        'sub',
        'mallory',
      ]),
    );
    expect(context.subject).toBeUndefined();
    const withClient = expectAccepted(
      await decide(form, { scope: 'read', client_id: undefined }, { scopes: ['read'] }, ['azp', 'other-app']),
    );
    expect(withClient.clientId).toBeUndefined();
  });
});

describe('a polluted Object.prototype and the JWT checks', () => {
  it.each([
    ['iss', ISSUER, 'issuer_mismatch'],
    ['aud', AUDIENCE, 'audience_mismatch'],
  ] as const)('lends no "%s" to a JWT without one', async (member, value, code) => {
    const server = createResourceServer({ resolver: jwt, clock: () => NOW_MS });
    const token = await mint(key, { scope: 'read', [member]: undefined });
    expectRejected(await polluted(member, value, () => server.authenticate(bearerRequest(token))), code);
  });
});

describe('a policy read from JSON with a "__proto__" member', () => {
  const server = () => createResourceServer({ resolver: jwt, clock: () => NOW_MS });

  it.each([
    ['policy.scopes.__proto__', '{ "scopes": { "__proto__": { "anyOf": ["read"] } } }'],
    ['policy.scopes.__proto__', '{ "scopes": { "allOf": ["admin"], "__proto__": { "anyOf": ["read"] } } }'],
    ['policy.__proto__', '{ "__proto__": { "scopes": ["admin"] } }'],
  ])('is refused as an unknown option (%s): %s', (option, json) => {
    expectConfigError(() => server().checkPolicy(JSON.parse(json), 'policy'), option);
  });
});
