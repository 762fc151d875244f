import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;
let rfc9068: AccessTokenResolver;
let plain: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  rfc9068 = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(key)),
    profile: 'rfc9068',
  });
  plain = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

describe('RFC 9068 profile: typ', () => {
  it.each(['at+jwt', 'application/at+jwt', 'application/at+JWT', 'AT+JWT', 'Application/At+Jwt'])(
    'accepts typ %s',
    async (typ) => {
      expectSuccess(await resolveAt(rfc9068, await mint(key, {}, { typ })));
    },
  );

  it.each(['JWT', 'jwt', 'application/jwt', 'at+jwt; charset=utf-8', ' at+jwt', 'dpop+jwt', ''])(
    'refuses typ %j with token_type_invalid',
    async (typ) => {
      expectFailure(await resolveAt(rfc9068, await mint(key, {}, { typ })), 'token_type_invalid');
    },
  );

  it('refuses a token without typ', async () => {
    // mintToken always sets typ: build the header without it through jose directly.
    const token = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 's',
      client_id: 'c',
      jti: 'j',
      iat: 1,
      exp: 2,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(key.privateKey);
    expectFailure(await resolveAt(rfc9068, token), 'token_type_invalid');
  });

  it('answers 401 invalid_token through the pipeline', async () => {
    const rs = createResourceServer({ resolver: rfc9068, clock: () => NOW_MS });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await mint(key, {}, { typ: 'JWT' }))),
      'token_type_invalid',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The JWT typ header is not at+jwt'));
    expect(rejection.body.error_description).toBe('The JWT "typ" header is not "at+jwt"');
  });

  it('does not check typ without the profile', async () => {
    expectSuccess(await resolveAt(plain, await mint(key, {}, { typ: 'JWT' })));
  });
});

describe('RFC 9068 profile: required claims', () => {
  it.each(['client_id', 'jti', 'sub', 'iat'])(
    'refuses a token without %s with claim_missing',
    async (claim) => {
      const failure = expectFailure(
        await resolveAt(rfc9068, await mint(key, { [claim]: undefined })),
        'claim_missing',
      );
      expect(failure.description).toBe(`The JWT has no "${claim}" claim`);
      // Without the profile the same token is fine.
      expectSuccess(await resolveAt(plain, await mint(key, { [claim]: undefined })));
    },
  );

  it('does not take azp for client_id', async () => {
    expectFailure(
      await resolveAt(rfc9068, await mint(key, { client_id: undefined, azp: 'client-abc' })),
      'claim_missing',
    );
  });

  it('requires aud even when no audience is configured', async () => {
    const noAudience = jwtResolver({ issuer: ISSUER, keys: staticJwks(jwksOf(key)), profile: 'rfc9068' });
    expectFailure(await resolveAt(noAudience, await mint(key, { aud: undefined })), 'claim_missing');
    expectSuccess(await resolveAt(noAudience, await mint(key)));
  });

  it('exposes the profile claims on the token info', async () => {
    const info = expectSuccess(await resolveAt(rfc9068, await mint(key, { jti: 'id-1' })));
    expect(info).toMatchObject({
      subject: 'user-123',
      clientId: 'client-abc',
      tokenId: 'id-1',
      issuer: ISSUER,
    });
  });
});
