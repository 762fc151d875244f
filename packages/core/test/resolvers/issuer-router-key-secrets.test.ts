// An issuerRouter key is a URL, and the option path of every message about it names the key: one carrying
// credentials or a query (an API key) is named without them, as configured URLs are shown elsewhere.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { issuerRouter, jwtResolver, RsConfigError, staticJwks } from '../../src/index.js';
import { AUDIENCE, ISSUER } from '../helpers.js';

const SECRET = 'Hunter2-router-secret';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

const jwt = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

function refusal(build: () => unknown): RsConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(RsConfigError);
    return error as RsConfigError;
  }
  throw new Error('expected an RsConfigError');
}

describe('an issuerRouter key with a secret in it', () => {
  it.each([
    ['credentials in lower case', `https://admin:${SECRET.toLowerCase()}@as.example.com`],
    ['credentials in mixed case', `https://admin:${SECRET}@as.example.com`],
    ['a user name alone', `https://${SECRET}@as.example.com`],
    ['an API key in the query', `https://as.example.com/?api_key=${SECRET}`],
  ])('is refused without repeating it: %s', (_name, issuer) => {
    for (const resolver of [jwt(), { notAResolver: true }]) {
      const error = refusal(() => issuerRouter({ issuers: { [issuer]: resolver as never } }));
      expect(error.option).toMatch(/^issuerRouter\.issuers\["https:\/\/as\.example\.com\/(\?…)?"\]$/);
      expect(error.message.toLowerCase()).not.toContain(SECRET.toLowerCase());
    }
  });

  it('names other keys as written', () => {
    const error = refusal(() => issuerRouter({ issuers: { 'https://as.example.com/other': jwt() } }));
    expect(error.option).toBe('issuerRouter.issuers["https://as.example.com/other"]');
  });
});
