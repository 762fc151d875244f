import { generateSigningKey, type JwksServer, startJwksServer, type TestSigningKey } from '@rs/testkit';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JwkSetError, jwtResolver, remoteJwks, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  hmacKey,
  ISSUER,
  mint,
  NOW_MS,
  randomBytes,
  resolveAt,
  withKid,
} from '../helpers.js';

let real: TestSigningKey;
let intruder: TestSigningKey;
let ec: TestSigningKey;

beforeAll(async () => {
  [real, intruder, ec] = await Promise.all([
    generateSigningKey('RS256', 'signing'),
    generateSigningKey('RS256', 'intruder'),
    generateSigningKey('ES256', 'ec'),
  ]);
});

describe('a JWK set that is ambiguous is refused at load', () => {
  it('two keys under one kid that fit one algorithm: an intruder key beside the real one', () => {
    const keys = [real.publicJwk, { ...intruder.publicJwk, kid: 'signing' }];
    const error = expectConfigError(() => staticJwks({ keys }), 'staticJwks');
    expect(error.message).toContain('two keys carry the kid "signing" and both fit RS256');
    // The code that says which check refused the set, for the troubleshooting table.
    expect(error.cause).toBeInstanceOf(JwkSetError);
    expect(error.cause).toMatchObject({ code: 'ERR_RS_JWKS_AMBIGUOUS' });
  });

  it('one kid for keys of different algorithms stays usable: each token picks one by its alg', async () => {
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [real.publicJwk, { ...ec.publicJwk, kid: 'signing' }] }),
    });
    expectSuccess(await resolveAt(resolver, await mint(real)));
    expectSuccess(await resolveAt(resolver, await mint(withKid(ec, 'signing'))));
  });

  it('shared secrets mixed with public keys', async () => {
    const secret = (await hmacKey(randomBytes(32))).publicJwk;
    const error = expectConfigError(() => staticJwks({ keys: [real.publicJwk, secret] }), 'staticJwks');
    expect(error.message).toContain('must not mix shared secrets ("oct") with public keys');
    expect(error.cause).toMatchObject({ code: 'ERR_RS_JWKS_AMBIGUOUS' });
  });

  it('a hydrated set: hydrate throws ERR_RS_JWKS_AMBIGUOUS, not ERR_RS_JWKS_MALFORMED', () => {
    const keys = remoteJwks({ url: 'https://as.example.com/jwks' });
    let thrown: unknown;
    try {
      keys.hydrate({ keys: [real.publicJwk, { ...intruder.publicJwk, kid: 'signing' }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JwkSetError);
    expect(thrown).toMatchObject({
      code: 'ERR_RS_JWKS_AMBIGUOUS',
      message: expect.stringContaining('hydrated JWK set: two keys carry the kid "signing"'),
    });
    expect(keys.export()).toBeUndefined();
  });

  describe('fetched from a remote JWK set URL', () => {
    let server: JwksServer;
    beforeAll(async () => {
      server = await startJwksServer({ keys: [real.publicJwk] });
    });
    afterAll(() => server.close());

    it('is not used: the last good set stays, and onFetchError says why', async () => {
      const errors: Error[] = [];
      const keys = remoteJwks({
        url: server.url,
        cacheMaxAge: 1_000,
        minFetchInterval: 0,
        onFetchError: (e) => errors.push(e),
      });
      const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
      expectSuccess(await resolveAt(resolver, await mint(real), NOW_MS));

      server.setDocument({
        keys: [real.publicJwk, { ...(await exportJWK(intruder.publicKey)), kid: 'signing' }],
      });
      const forged = await mint(withKid(intruder, 'signing'));
      expectFailure(await resolveAt(resolver, forged, NOW_MS + 2_000), 'signature_invalid');
      // The set is past cacheMaxAge: the request above was answered by the held keys while the refresh
      // ran in the background; wait for that refresh to report.
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors.map((error) => error.message)).toEqual([
        expect.stringContaining('two keys carry the kid "signing"'),
      ]);
      expect(errors[0]).toMatchObject({ code: 'ERR_RS_JWKS_AMBIGUOUS' });
      expectSuccess(await resolveAt(resolver, await mint(real), NOW_MS + 2_000));
    });

    it('a shared secret beside public keys refuses the whole set: the last good set stays', async () => {
      server.setDocument({ keys: [real.publicJwk] });
      const errors: Error[] = [];
      const keys = remoteJwks({
        url: server.url,
        cacheMaxAge: 1_000,
        minFetchInterval: 0,
        onFetchError: (e) => errors.push(e),
      });
      const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
      expectSuccess(await resolveAt(resolver, await mint(real), NOW_MS));

      // A rotation that also publishes a secret: neither the new key nor the secret is taken, and a token
      // of the new key finds no set to be checked against (the refetch its kid asked for was refused).
      const secret = (await hmacKey(randomBytes(32), 'HS256', 'shared')).publicJwk;
      server.setDocument({ keys: [real.publicJwk, ec.publicJwk, secret] });
      expectFailure(await resolveAt(resolver, await mint(ec), NOW_MS + 2_000), 'keys_unavailable');
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
      expect(errors[0]).toMatchObject({
        code: 'ERR_RS_JWKS_AMBIGUOUS',
        message: expect.stringContaining('must not mix shared secrets ("oct") with public keys'),
      });
      expect(errors.some((error) => (error as JwkSetError).code === 'ERR_RS_JWKS_KEYS_LEFT_OUT')).toBe(false);
      expectSuccess(await resolveAt(resolver, await mint(real), NOW_MS + 2_000));
      expect(keys.export()).toEqual({ keys: [real.publicJwk] });
    });
  });
});
