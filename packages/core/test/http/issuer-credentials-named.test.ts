// An issuer URL with credentials in it is refused for the credentials, whatever their case: before, one
// with an upper-case letter in its password was refused as "an issuer written in upper case", which sends
// the user looking at the host.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, RsConfigError, staticJwks } from '../../src/index.js';
import { AUDIENCE } from '../helpers.js';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

describe('an issuer with credentials in it', () => {
  it.each([
    ['an upper-case password', 'https://admin:PASSword@as.example.com'],
    ['an upper-case user name alone', 'https://ADMIN@as.example.com'],
    ['lower-case credentials', 'https://admin:password@as.example.com'],
  ])('is refused for its credentials, never repeating them: %s', (_name, issuer) => {
    let error: unknown;
    try {
      jwtResolver({ issuer, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RsConfigError);
    const { message } = error as RsConfigError;
    expect(message).toMatch(/credentials/);
    expect(message).not.toMatch(/lower case/);
    expect(message.toLowerCase()).not.toMatch(/password|admin/);
  });

  it('still refuses an upper-case host after lower-case credentials are taken off', () => {
    expect(() =>
      jwtResolver({ issuer: 'https://AS.example.com', audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    ).toThrow(/lower case/);
  });
});
