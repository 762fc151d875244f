import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from './helpers.js';

// `scopes` is a ReadonlySet to TypeScript only. Application code that adds a scope to the context of its
// request (a JavaScript caller, or a cast) must change nothing for any other token.

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

describe('the scopes of a context', () => {
  it.each([
    ['no scope claim', { scope: undefined }],
    ['an empty scope', { scope: '' }],
    ['an empty scope list', { scope: [] }],
    ['a scp of another type', { scope: undefined, scp: { admin: true } }],
  ])('of a token with %s are a set of its own', async (_name, claims) => {
    const server = createResourceServer({ resolver, clock: () => NOW_MS, realm: 'api' });
    const first = expectAccepted(
      await server.authenticate(bearerRequest(await mint(key, { ...claims, sub: 'alice' }))),
    );
    expect(first.scopes.size).toBe(0);
    (first.scopes as Set<string>).add('admin');

    const other = await server.authenticate(bearerRequest(await mint(key, { ...claims, sub: 'mallory' })), {
      scopes: ['admin'],
    });
    const rejection = expectRejected(other, 'insufficient_scope');
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a scope this ' +
        'request requires", scope="admin"',
    );
  });
});
