import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { startJwksServer } from '@rs/testkit';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkSetStore, jwtResolver, remoteJwks, secretsProvider, staticJwks } from '../../src/index.js';
import { importVerificationKey } from '../../src/keys/jwk-index.js';
import { rsaExponentProblem } from '../../src/keys/rsa-key-checks.js';
import { pemSecretStore, pkcs12SecretStore } from '../../src/node/index.js';
import type { SecretStore } from '../../src/secrets/secret-store.js';
import { AUDIENCE, expectConfigError, expectFailure, ISSUER, NOW_S, resolveAt } from '../helpers.js';
import { KEYSTORES, tempDirectory } from '../secrets-setup.js';

// An attacker who reads a JWK set holding an RSA key with e = 1 forges any token: the "signature" is the
// PKCS#1 v1.5 encoded message itself, since s^1 mod n = s. These tests forge one for real.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

let honest: JsonWebKey;
let exponentOne: JWK;

beforeAll(() => {
  honest = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  exponentOne = { ...(honest as JWK), e: 'AQ', kid: 'weak', alg: 'RS256' };
});

/** A token "signed" for a key with e = 1, made from the public key alone. */
function forgeToken(kid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', kid });
  const claims = encode({ iss: ISSUER, aud: AUDIENCE, sub: 'attacker', exp: NOW_S + 600 });
  const input = `${header}.${claims}`;
  const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(input).digest()]);
  const padding = Buffer.alloc(256 - digestInfo.length - 3, 0xff);
  const encoded = Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), digestInfo]);
  return `${input}.${encoded.toString('base64url')}`;
}

describe('RSA keys with a public exponent below 3 or even', () => {
  it('would verify a forged token if used: the attack is real', () => {
    const token = forgeToken('weak');
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const key = createPublicKey({ key: exponentOne as JsonWebKey, format: 'jwk' });
    expect(
      verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url')),
    ).toBe(true);
  });

  it('names every exponent that is refused, and accepts 3 and 65537', () => {
    for (const e of ['AQ', 'Ag', 'AA', 'AAE', 'AQAA', '']) expect(rsaExponentProblem({ e })).toBeDefined();
    expect(rsaExponentProblem({ e: 'AQ' })).toContain('exponent is 1');
    expect(rsaExponentProblem({ e: 'AQAA' })).toContain('exponent is 65536');
    expect(rsaExponentProblem({ e: 'Aw' })).toBeUndefined();
    expect(rsaExponentProblem({ e: 'AQAB' })).toBeUndefined();
  });

  it('staticJwks refuses the whole set at start-up, naming the key', () => {
    const error = expectConfigError(() => staticJwks({ keys: [honest as JWK, exponentOne] }), 'staticJwks');
    expect(error.message).toContain('key "weak": its public exponent is 1');
    const even = { ...exponentOne, e: 'AQAA', kid: 'even' };
    expect(expectConfigError(() => staticJwks({ keys: [even] }), 'staticJwks').message).toContain(
      'exponent is 65536',
    );
  });

  describe('a remote JWK set that publishes one', () => {
    let server: Awaited<ReturnType<typeof startJwksServer>>;
    beforeAll(async () => {
      server = await startJwksServer({ keys: [exponentOne] });
    });
    afterAll(() => server.close());

    it('is refused when fetched: tokens get keys_unavailable and onFetchError says why', async () => {
      const errors: Error[] = [];
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) }),
      });
      expectFailure(await resolveAt(resolver, forgeToken('weak')), 'keys_unavailable');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain('"weak": its public exponent is 1');
      expect(server.requests).toBe(1);
    });
  });

  it('a JWK set secret store refuses it when built', () => {
    expectConfigError(() => jwkSetStore({ jwks: { keys: [exponentOne] } }), 'jwkSetStore.jwks');
  });

  it('a secrets provider refuses it from any store when the resolver is built', () => {
    const custom: SecretStore = { name: 'vault', keys: () => [{ jwk: exponentOne, origin: 'vault key' }] };
    const secrets = secretsProvider({ stores: [custom] });
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, verificationSecretId: 'signing' }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('vault key: its public exponent is 1');
  });

  it('a PEM public key is refused when the store is built', () => {
    const pem = createPublicKey({ key: exponentOne as JsonWebKey, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const directory = tempDirectory({ 'weak.pub.pem': pem });
    const error = expectConfigError(
      () => pemSecretStore({ secrets: { signing: join(directory, 'weak.pub.pem') } }),
      'pemSecretStore.secrets',
    );
    expect(error.message).toContain('its public exponent is 1');
  });

  it('a PKCS#12 key entry is refused when the store is built', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file: join(KEYSTORES, 'rsa-exponent-1.p12'),
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: ['weak-key'] }],
        }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain('alias "weak-key" holds an RSA key that is refused');
  });

  it('is refused at import too, the last gate of every verification key', async () => {
    await expect(importVerificationKey(exponentOne, 'RS256')).rejects.toThrow('exponent is 1');
  });
});
