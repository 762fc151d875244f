import { createPublicKey, generateKeyPairSync, type JsonWebKey, sign, verify } from 'node:crypto';
import { join } from 'node:path';
import { startJwksServer } from '@rs/testkit';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkSetStore, jwtResolver, remoteJwks, secretsProvider, staticJwks } from '../../src/index.js';
import { isSmallOrderEd25519Key } from '../../src/keys/ed25519-small-order.js';
import { importVerificationKey } from '../../src/keys/jwk-index.js';
import { checkVerificationJwk } from '../../src/keys/verification-jwk.js';
import { pemSecretStore } from '../../src/node/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

// An Ed25519 public key that is a point of small order verifies the signature R = identity, S = 0 for
// every message (the identity point) or for about one message in eight (the others): whoever reads the
// JWK set forges tokens, as with an RSA key whose exponent is 1. OpenSSL verifies with such keys, so
// @rs must refuse them where keys enter. These tests forge tokens for real, from the public key alone.

/** The encodings of the small-order points (y little-endian), each also spelled with the sign bit set. */
const SMALL_ORDER_HEX = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
const SMALL_ORDER_KEYS: readonly Buffer[] = SMALL_ORDER_HEX.flatMap((hex) => {
  const withSign = Buffer.from(hex, 'hex');
  withSign[31]! |= 0x80;
  return [Buffer.from(hex, 'hex'), withSign];
});

const IDENTITY = Buffer.from(SMALL_ORDER_HEX[1]!, 'hex');
/** R = identity, S = 0: valid for every message under the identity key. */
const FORGED_SIGNATURE = Buffer.concat([IDENTITY, Buffer.alloc(32)]).toString('base64url');

const identityJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: IDENTITY.toString('base64url'), kid: 'weak' };

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token naming `kid`, "signed" without any private key. */
function forgedToken(kid: string | undefined): string {
  const header = encode(kid === undefined ? { alg: 'EdDSA' } : { alg: 'EdDSA', kid });
  const claims = encode({ iss: ISSUER, aud: AUDIENCE, sub: 'attacker', exp: NOW_S + 600 });
  return `${header}.${claims}.${FORGED_SIGNATURE}`;
}

let honest: JWK;

beforeAll(() => {
  honest = { ...(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as JWK), kid: 'honest' };
});

describe('Ed25519 keys of small order', () => {
  it('would verify a forged token if used, on either signature path: the attack is real', async () => {
    const token = forgedToken('weak');
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const input = Buffer.from(`${header}.${claims}`);
    const key = createPublicKey({ key: identityJwk as JsonWebKey, format: 'jwk' });
    expect(verify(null, input, key, Buffer.from(signature, 'base64url'))).toBe(true);
    const webCryptoKey = await crypto.subtle.importKey('jwk', identityJwk, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    expect(
      await crypto.subtle.verify('Ed25519', webCryptoKey, Buffer.from(signature, 'base64url'), input),
    ).toBe(true);
  });

  it('are all refused by the verification key check, in either sign, while real keys pass', () => {
    for (const x of SMALL_ORDER_KEYS) {
      const check = checkVerificationJwk(
        { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') },
        {
          allowSymmetric: false,
        },
      );
      expect(check, x.toString('hex')).toEqual({
        usable: false,
        broken: true,
        reason: 'its "x" is a point of small order, with which anyone forges signatures',
      });
    }
    for (let i = 0; i < 20; i++) {
      const real = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
      expect(checkVerificationJwk(real, { allowSymmetric: false })).toEqual({ usable: true });
      expect(isSmallOrderEd25519Key(Buffer.from(real.x!, 'base64url'))).toBe(false);
    }
  });

  it('leave an X25519 key alone: the list is of Edwards points, and X25519 keys never verify', () => {
    const x25519 = { kty: 'OKP', crv: 'X25519', x: IDENTITY.toString('base64url') };
    expect(checkVerificationJwk(x25519, { allowSymmetric: false })).toMatchObject({ broken: false });
  });

  it('staticJwks refuses the set at start-up, naming the key', () => {
    const error = expectConfigError(() => staticJwks({ keys: [honest, identityJwk] }), 'staticJwks');
    expect(error.message).toContain('key "weak": its "x" is a point of small order');
  });

  it('even with an all-zero "x", the placeholder a set may be shipped with', () => {
    const placeholder = { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), kid: 'todo' };
    const error = expectConfigError(() => staticJwks({ keys: [placeholder] }), 'staticJwks');
    expect(error.message).toContain('key "todo": its "x" is a point of small order');
  });

  describe('in a remote JWK set', () => {
    let server: Awaited<ReturnType<typeof startJwksServer>>;
    beforeAll(async () => {
      server = await startJwksServer({ keys: [honest, identityJwk] });
    });
    afterAll(() => server.close());

    it('the key is left out and reported, and a token forged for it is refused', async () => {
      const errors: Error[] = [];
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) }),
      });
      expectFailure(await resolveAt(resolver, forgedToken('weak')), 'unknown_key');
      // Without kid, the honest key is the only one tried.
      expectFailure(await resolveAt(resolver, forgedToken(undefined)), 'signature_invalid');
      expect(errors.map((error) => error.message).join('\n')).toContain(
        '"weak": its "x" is a point of small order',
      );
    });

    it('a portable verifier refuses the forged token too', async () => {
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url, onFetchError: () => {} }),
        signatureVerifier: 'portable',
      });
      expectFailure(await resolveAt(resolver, forgedToken('weak')), 'unknown_key');
    });
  });

  it('from a JWK set secret store, when the resolver is built', () => {
    const secrets = secretsProvider({ stores: [jwkSetStore({ jwks: { keys: [identityJwk] } })] });
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, verificationSecretId: 'signing' }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('its "x" is a point of small order');
  });

  it('from a PEM public key file, when the resolver is built', () => {
    const pem = createPublicKey({ key: identityJwk as JsonWebKey, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    }) as string;
    const directory = tempDirectory({ 'weak.pem': pem });
    const secrets = secretsProvider({
      stores: [pemSecretStore({ secrets: { signing: join(directory, 'weak.pem') } })],
    });
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, verificationSecretId: 'signing' }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('its "x" is a point of small order');
  });

  it('at import, the last gate of every verification key', async () => {
    await expect(importVerificationKey(identityJwk, 'EdDSA')).rejects.toThrow('point of small order');
    await expect(importVerificationKey(honest, 'EdDSA')).resolves.toBeDefined();
  });

  it('a real Ed25519 key still verifies its own tokens', async () => {
    const pair = generateKeyPairSync('ed25519');
    const jwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid: 'real' };
    const header = encode({ alg: 'EdDSA', kid: 'real' });
    const claims = encode({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: NOW_S + 600 });
    const signature = sign(null, Buffer.from(`${header}.${claims}`), pair.privateKey).toString('base64url');
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks({ keys: [jwk] }) });
    expect(expectSuccess(await resolveAt(resolver, `${header}.${claims}.${signature}`)).subject).toBe(
      'alice',
    );
  });
});
