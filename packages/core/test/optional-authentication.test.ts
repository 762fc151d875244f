import { generateSigningKey, jwksOf, type TestSigningKey, tamperSignature } from '@rs/testkit';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type OAuth2Context,
  type OptionalAuthResult,
  type RsContext,
  staticJwks,
} from '../src/index.js';
import { API_URL, AUDIENCE, bearerRequest, expectRejected, ISSUER, mint, NOW_MS } from './helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

const rsOf = () => createResourceServer({ resolver, clock: () => NOW_MS, tokenLocations: { query: true } });
const noToken = (headers: Record<string, string> = {}) => ({ method: 'GET', url: API_URL, headers });

describe('authenticateOptional: authentication optional per route', () => {
  it('lets a request without any token through, without a context and without headers', async () => {
    const result = await rsOf().authenticateOptional(noToken());
    expect(result).toEqual({ ok: true, context: undefined, headers: {} });
  });

  it('treats another Authorization scheme as no token, as authenticate does', async () => {
    const result = await rsOf().authenticateOptional(noToken({ authorization: 'Basic dXNlcjpwYXNz' }));
    expect(result.ok && result.context).toBe(undefined);
    expectRejected(
      await rsOf().authenticate(noToken({ authorization: 'Basic dXNlcjpwYXNz' })),
      'token_missing',
    );
  });

  it('decides a present token exactly as authenticate does: a good one gets its context', async () => {
    const token = await mint(key, { scope: 'read' });
    const result = await rsOf().authenticateOptional(bearerRequest(token), { scopes: ['read'] });
    expect(result.ok && result.context?.subject).toBe('user-123');
  });

  it('still answers 401 for a bad token, 400 for a malformed one, 403 for too few scopes', async () => {
    const rs = rsOf();
    const token = await mint(key, { scope: 'read' });
    expectRejected(
      await rs.authenticateOptional(bearerRequest(tamperSignature(token))),
      'signature_invalid',
      401,
    );
    expectRejected(
      await rs.authenticateOptional(noToken({ authorization: 'Bearer a b' })),
      'malformed_authorization',
      400,
    );
    expectRejected(
      await rs.authenticateOptional(bearerRequest(token), { scopes: ['admin'] }),
      'insufficient_scope',
      403,
    );
    // A token in two places is a client error even where authentication is optional.
    const twice = bearerRequest(token, { url: `${API_URL}?access_token=${token}` });
    expectRejected(await rs.authenticateOptional(twice), 'multiple_token_methods', 400);
  });

  it('types the anonymous result apart: the context is undefined only there', () => {
    expectTypeOf<OptionalAuthResult>().toMatchTypeOf<{ ok: boolean }>();
    type Accepted = Extract<OptionalAuthResult, { ok: true }>;
    expectTypeOf<Accepted['context']>().toEqualTypeOf<OAuth2Context | undefined>();
  });
});

describe('RsContext<Claims>: the application names its claims type', () => {
  interface MyClaims {
    readonly sub: string;
    readonly tenant: string;
    readonly roles?: readonly string[];
  }

  it('types claims with the given type, and keeps the normalized members', () => {
    expectTypeOf<RsContext<MyClaims>['claims']['tenant']>().toEqualTypeOf<string>();
    expectTypeOf<RsContext<MyClaims>['claims']['roles']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<RsContext<MyClaims>['subject']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<RsContext['claims']>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
    expectTypeOf<RsContext<MyClaims>>().toEqualTypeOf<OAuth2Context<MyClaims>>();
    // @ts-expect-error: a claim the type does not name
    expectTypeOf<RsContext<MyClaims>['claims']['nope']>();
  });
});
