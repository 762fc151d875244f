import { createTestPki, generateSigningKey, jwksOf, type TestPki, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

let pki: TestPki;
let key: TestSigningKey;
let rs: ResourceServer;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  rs = createResourceServer({ resolver, clock: () => NOW_MS });
});
afterAll(() => pki.cleanup());

const withClientCertificate = (token: string) => bearerRequest(token, { clientCertificate: pki.client.der });

describe('a cnf that is not a JSON object is refused, never read as "no binding"', () => {
  it.each([
    ['a string', pkiThumbprint],
    ['an array', () => [pki.client.thumbprint]],
    ['a number', () => 1],
    ['true', () => true],
    ['null', () => null],
  ])('cnf as %s: 401 claim_invalid, with or without a certificate', async (_label, cnf) => {
    const token = await mint(key, { cnf: cnf() });
    for (const request of [bearerRequest(token), withClientCertificate(token)]) {
      const rejection = expectRejected(await rs.authenticate(request), 'claim_invalid', 401);
      expect(rejection.body.error_description).toBe('The access token "cnf" is not a JSON object');
    }
  });
});

function pkiThumbprint(): string {
  return pki.client.thumbprint;
}

describe('x5t#S256 and x5t#SHA256: every certificate member present is checked', () => {
  it('refuses two members naming different certificates, whichever certificate is presented', async () => {
    const token = await mint(key, {
      cnf: { 'x5t#S256': pki.client.thumbprint, 'x5t#SHA256': pki.other.thumbprint },
    });
    const swapped = await mint(key, {
      cnf: { 'x5t#S256': pki.other.thumbprint, 'x5t#SHA256': pki.client.thumbprint },
    });
    for (const candidate of [token, swapped]) {
      for (const der of [pki.client.der, pki.other.der]) {
        const rejection = expectRejected(
          await rs.authenticate(bearerRequest(candidate, { clientCertificate: der })),
          'claim_invalid',
          401,
        );
        expect(rejection.body.error_description).toBe(
          'The access token "cnf" names two different certificates',
        );
      }
    }
  });

  it('refuses an x5t#SHA256 that is not a thumbprint beside a good x5t#S256', async () => {
    const token = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint, 'x5t#SHA256': 42 } });
    expectRejected(await rs.authenticate(withClientCertificate(token)), 'claim_invalid', 401);
  });

  it('checks a lone x5t#SHA256 of the wrong type instead of ignoring it', async () => {
    const token = await mint(key, { cnf: { 'x5t#SHA256': ['not', 'a', 'thumbprint'] } });
    expectRejected(await rs.authenticate(withClientCertificate(token)), 'claim_invalid', 401);
  });

  it('accepts both members when they name the presented certificate', async () => {
    const token = await mint(key, {
      cnf: { 'x5t#S256': pki.client.thumbprint, 'x5t#SHA256': pki.client.thumbprint },
    });
    expectAccepted(await rs.authenticate(withClientCertificate(token)));
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token, { clientCertificate: pki.other.der })),
      'certificate_mismatch',
      401,
    );
    expect(rejection.body.error).toBe('invalid_token');
  });

  it('refuses a member spelt with padding beside the canonical one: one thumbprint, one spelling', async () => {
    const token = await mint(key, {
      cnf: { 'x5t#S256': pki.client.thumbprint, 'x5t#SHA256': `${pki.client.thumbprint}=` },
    });
    expectRejected(await rs.authenticate(withClientCertificate(token)), 'claim_invalid', 401);
  });
});
