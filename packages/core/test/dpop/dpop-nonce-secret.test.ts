// The DPoP nonce secret is an HMAC key like sharedSecret's: the issuer's public key pasted there would let
// anyone who has that key mint valid nonces for any time slot ahead. Before, rotatingDpopNonces took a PEM
// public key that sharedSecret refused; now it refuses the same key material at start-up.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { rotatingDpopNonces } from '../../src/index.js';
import { expectConfigError, NOW_MS, randomBytes } from '../helpers.js';
import {
  expectNotEchoed,
  type ForeignMaterial,
  foreignMaterials,
  refusal,
} from '../keys/foreign-key-materials.js';

const OPTION = 'rotatingDpopNonces.secret';

let materials: ForeignMaterial[];

beforeAll(() => {
  materials = foreignMaterials();
});

describe('rotatingDpopNonces refuses key material of another kind as its secret', () => {
  it("refuses the issuer's public key PEM at start-up, naming the option, never repeating it", () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const error = expectConfigError(() => rotatingDpopNonces({ secret: pem }), OPTION);
    expect(error.problem).toContain('is a PEM key or certificate, not a shared secret');
    expect(error.problem).toContain('give a random secret of at least 32 bytes');
    expectNotEchoed(error.message, new TextEncoder().encode(pem));
  });

  it('refuses every kind and form of key material, as bytes and as text', () => {
    for (const material of materials) {
      const error = refusal(() => rotatingDpopNonces({ secret: material.bytes }), OPTION, material.label);
      expect(error.problem, material.label).toContain('not a shared secret');
      expectNotEchoed(error.message, material.bytes);
    }
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwkText = JSON.stringify(publicKey.export({ format: 'jwk' }));
    expect(expectConfigError(() => rotatingDpopNonces({ secret: jwkText }), OPTION).problem).toContain(
      'is the JSON text of a JWK',
    );
  });

  it('still takes random secrets, and a text secret that merely mentions a key type', async () => {
    for (const secret of [
      randomBytes(32),
      Buffer.from(randomBytes(32)).toString('base64'),
      Buffer.from(randomBytes(32)).toString('hex'),
      'my ssh-rsa rotation secret for the api gateway 2024!!',
      JSON.stringify({ keys: 'primary', secret: Buffer.from(randomBytes(32)).toString('base64') }),
    ]) {
      const nonces = rotatingDpopNonces({ secret });
      const nonce = await nonces.current(NOW_MS);
      expect(await nonces.isValid(nonce, NOW_MS)).toBe(true);
      expect(await rotatingDpopNonces({ secret }).isValid(nonce, NOW_MS)).toBe(true);
    }
    expect(() => rotatingDpopNonces()).not.toThrow();
  });
});

describe('rotatingDpopNonces without a secret', () => {
  it('makes its key again at the next nonce when making it failed, rather than keep the failure', async () => {
    // WebCrypto does not fail to make an HMAC key on Node; a platform that refuses it (a Worker's global
    // scope refuses random values) is stood in for by failing the first call, the one thing mocked here.
    const generateKey = vi.spyOn(crypto.subtle, 'generateKey');
    generateKey.mockRejectedValueOnce(new Error('random values are not available here'));
    try {
      const nonces = rotatingDpopNonces();
      await expect(Promise.resolve(nonces.current(NOW_MS))).rejects.toThrow('random values');
      const nonce = await nonces.current(NOW_MS);
      expect(nonce).toMatch(/^\d+\.[\w-]{22}$/);
      expect(await nonces.current(NOW_MS)).toBe(nonce);
      expect(generateKey).toHaveBeenCalledTimes(2);
    } finally {
      generateKey.mockRestore();
    }
  });
});
