import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;
let rfc9068: AccessTokenResolver;
// No audience configured: only the profile stands between a token with a broken `aud` and acceptance.
let rfc9068AnyAudience: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  const keys = staticJwks(jwksOf(key));
  rfc9068 = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, profile: 'rfc9068' });
  rfc9068AnyAudience = jwtResolver({ acceptAnyAudience: true, issuer: ISSUER, keys, profile: 'rfc9068' });
});

describe('RFC 9068: a required claim that is null or of the wrong type is missing', () => {
  it.each(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])(
    'refuses "%s": null with claim_missing',
    async (claim) => {
      const failure = expectFailure(
        await resolveAt(rfc9068AnyAudience, await mint(key, { [claim]: null })),
        'claim_missing',
      );
      expect(failure.description).toBe(`The JWT has no "${claim}" claim`);
    },
  );

  it.each([
    ['sub', 42, 'a string'],
    ['sub', '', 'a string'],
    ['client_id', { id: 'client' }, 'a string'],
    ['jti', ['a', 'b'], 'a string'],
    ['iss', [ISSUER], 'a string'],
    ['iat', String(Math.floor(NOW_MS / 1000)), 'a number'],
    ['exp', true, 'a number'],
    ['aud', 7, 'a string or an array of strings'],
    ['aud', [], 'a string or an array of strings'],
    ['aud', [AUDIENCE, null], 'a string or an array of strings'],
  ])('refuses "%s": %j with claim_missing', async (claim, value, expected) => {
    const failure = expectFailure(
      await resolveAt(rfc9068AnyAudience, await mint(key, { [claim]: value })),
      'claim_missing',
    );
    expect(failure.description).toBe(`The JWT "${claim}" claim is not ${expected}`);
  });

  it('answers 401 invalid_token through the pipeline for a null sub', async () => {
    const rs = createResourceServer({ resolver: rfc9068, clock: () => NOW_MS });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await mint(key, { sub: null }))),
      'claim_missing',
      401,
    );
    expect(rejection.body.error).toBe('invalid_token');
  });

  it('still accepts a token whose claims have the profile types', async () => {
    expectSuccess(
      await resolveAt(rfc9068, await mint(key, { aud: [AUDIENCE, 'https://other.example.com'] })),
    );
  });

  it('requiredClaims counts null as absent, with or without the profile', async () => {
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      requiredClaims: ['tenant'],
    });
    expectFailure(await resolveAt(resolver, await mint(key, { tenant: null })), 'claim_missing');
    expectSuccess(await resolveAt(resolver, await mint(key, { tenant: 'acme' })));
  });
});
