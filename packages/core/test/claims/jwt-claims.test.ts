import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, type JwtResolverOptions, jwtResolver, staticJwks } from '../../src/index.js';
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
  NOW_S,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

function resolver(options: Partial<JwtResolverOptions> = {}) {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), ...options });
}

describe('validity period', () => {
  it('accepts a current token and exposes its dates', async () => {
    const info = expectSuccess(await resolveAt(resolver(), await mint(key, { nbf: NOW_S })));
    expect(info.issuedAt).toBe(NOW_S);
    expect(info.notBefore).toBe(NOW_S);
    expect(info.expiresAt).toBe(NOW_S + 300);
  });

  it('refuses an expired token with token_expired', async () => {
    expectFailure(
      await resolveAt(resolver(), await mint(key, { iat: NOW_S - 600, exp: NOW_S - 1 })),
      'token_expired',
    );
  });

  it('refuses a token whose exp is exactly now, and accepts it one millisecond earlier', async () => {
    const token = await mint(key, { iat: NOW_S - 60, exp: NOW_S });
    expectFailure(await resolveAt(resolver(), token, NOW_MS), 'token_expired');
    expectSuccess(await resolveAt(resolver(), token, NOW_MS - 1));
  });

  it('accepts an expired token within skewAllowance, and refuses it at the skew boundary', async () => {
    const token = await mint(key, { iat: NOW_S - 600, exp: NOW_S - 30 });
    expectFailure(await resolveAt(resolver(), token), 'token_expired');
    expectSuccess(await resolveAt(resolver({ skewAllowance: 31 }), token));
    expectFailure(await resolveAt(resolver({ skewAllowance: 30 }), token), 'token_expired');
  });

  it('refuses a token that is not valid yet (nbf) with token_not_yet_valid, unless within skew', async () => {
    const token = await mint(key, { nbf: NOW_S + 10 });
    expectFailure(await resolveAt(resolver(), token), 'token_not_yet_valid');
    expectSuccess(await resolveAt(resolver(), token, (NOW_S + 10) * 1000));
    expectSuccess(await resolveAt(resolver({ skewAllowance: 10 }), token));
    expectFailure(await resolveAt(resolver({ skewAllowance: 9 }), token), 'token_not_yet_valid');
  });

  it('refuses a token issued in the future beyond the skew', async () => {
    const token = await mint(key, { iat: NOW_S + 120, exp: NOW_S + 600 });
    expectFailure(await resolveAt(resolver(), token), 'token_not_yet_valid');
    expectFailure(await resolveAt(resolver({ skewAllowance: 60 }), token), 'token_not_yet_valid');
    expectSuccess(await resolveAt(resolver({ skewAllowance: 120 }), token));
  });

  it('refuses dates that are present but not numbers with claim_invalid', async () => {
    for (const bad of [
      { exp: String(NOW_S + 300) },
      { exp: null },
      { exp: [NOW_S + 300] },
      { nbf: 'now' },
      { iat: true },
    ]) {
      expectFailure(await resolveAt(resolver(), await mint(key, bad)), 'claim_invalid');
    }
  });

  it('refuses a token without exp with claim_missing', async () => {
    expectFailure(await resolveAt(resolver(), await mint(key, { exp: undefined })), 'claim_missing');
  });

  it('answers 401 with the exact challenge through the pipeline', async () => {
    const rs = createResourceServer({ resolver: resolver(), clock: () => NOW_MS + 300_000 });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await mint(key))),
      'token_expired',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The access token expired'));
    expect(rejection.body).toEqual({
      error: 'invalid_token',
      error_description: 'The access token expired',
      code: 'token_expired',
    });
  });
});

describe('issuer', () => {
  it('refuses another issuer, a missing iss and a near miss with issuer_mismatch', async () => {
    for (const iss of [
      'https://evil.example.com',
      undefined,
      `${ISSUER}/`,
      ISSUER.toUpperCase(),
      ` ${ISSUER}`,
      42,
    ]) {
      expectFailure(await resolveAt(resolver(), await mint(key, { iss })), 'issuer_mismatch');
    }
  });

  it('accepts each of several configured issuers, and only those', async () => {
    const multi = resolver({ issuer: [ISSUER, 'https://as2.example.com'] });
    expect(expectSuccess(await resolveAt(multi, await mint(key))).issuer).toBe(ISSUER);
    expect(
      expectSuccess(await resolveAt(multi, await mint(key, { iss: 'https://as2.example.com' }))).issuer,
    ).toBe('https://as2.example.com');
    expectFailure(
      await resolveAt(multi, await mint(key, { iss: 'https://as3.example.com' })),
      'issuer_mismatch',
    );
  });

  it('answers 401 invalid_token through the pipeline', async () => {
    const rs = createResourceServer({ resolver: resolver(), clock: () => NOW_MS });
    const token = await mint(key, { iss: 'https://evil.example.com' });
    const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'issuer_mismatch', 401);
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The JWT issuer is not trusted'));
  });
});

describe('audience', () => {
  it('refuses another audience and a missing aud with audience_mismatch', async () => {
    for (const aud of [
      'https://other.example.com',
      undefined,
      [],
      ['https://other.example.com'],
      [42],
      `${AUDIENCE}/`,
    ]) {
      expectFailure(await resolveAt(resolver(), await mint(key, { aud })), 'audience_mismatch');
    }
  });

  it('accepts an aud array that contains ours', async () => {
    const info = expectSuccess(
      await resolveAt(resolver(), await mint(key, { aud: ['https://other.example.com', AUDIENCE] })),
    );
    expect(info.audience).toEqual(['https://other.example.com', AUDIENCE]);
  });

  it('accepts any of several configured audiences', async () => {
    const multi = resolver({ audience: ['urn:a', 'urn:b'] });
    expectSuccess(await resolveAt(multi, await mint(key, { aud: 'urn:b' })));
    expectSuccess(await resolveAt(multi, await mint(key, { aud: ['urn:x', 'urn:a'] })));
    expectFailure(await resolveAt(multi, await mint(key, { aud: AUDIENCE })), 'audience_mismatch');
  });

  it('does not check aud when no audience is configured', async () => {
    const any = jwtResolver({ issuer: ISSUER, keys: staticJwks(jwksOf(key)) });
    expectSuccess(await resolveAt(any, await mint(key, { aud: 'https://whatever.example.com' })));
    expectSuccess(await resolveAt(any, await mint(key, { aud: undefined })));
  });

  it('answers 401 invalid_token through the pipeline', async () => {
    const rs = createResourceServer({ resolver: resolver(), clock: () => NOW_MS });
    const token = await mint(key, { aud: 'https://other.example.com' });
    const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'audience_mismatch', 401);
    expect(rejection.wwwAuthenticate).toBe(
      invalidTokenChallenge('The JWT is not meant for this resource server'),
    );
  });
});

describe('required claims', () => {
  it('refuses a token without a configured required claim with claim_missing', async () => {
    const strict = resolver({ requiredClaims: ['tenant'] });
    const failure = expectFailure(await resolveAt(strict, await mint(key)), 'claim_missing');
    expect(failure.description).toBe('The JWT has no "tenant" claim');
    expectSuccess(await resolveAt(strict, await mint(key, { tenant: 'acme' })));
  });
});
