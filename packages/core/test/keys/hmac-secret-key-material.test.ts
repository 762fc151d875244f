// The RS256→HS256 key confusion, set up by configuration: the issuer's public key (its PEM text, its JWK's
// JSON) pasted where the HMAC secret goes. Before, sharedSecret(pem) and an `oct` JWK whose `k` was the
// PEM's bytes were taken, and a token anyone signed with HS256 and the public key verified. Now every
// way an HMAC secret is given in configuration refuses key material of another kind at start-up.
import { generateKeyPairSync } from 'node:crypto';
import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, sharedSecret, staticJwks } from '../../src/index.js';
import { AUDIENCE, expectConfigError, hmacKey, ISSUER, mint, randomBytes, resolveAt } from '../helpers.js';
import {
  expectNotEchoed,
  type ForeignMaterial,
  foreignMaterials,
  refusal,
  toolNamed,
} from './foreign-key-materials.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

let materials: ForeignMaterial[];

beforeAll(() => {
  materials = foreignMaterials();
});

describe('sharedSecret refuses key material of another kind', () => {
  it("refuses the issuer's public key PEM at start-up, never repeating it", () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(pem) }),
      'sharedSecret',
    );
    expect(error.problem).toContain('the secret is a PEM key or certificate, not a shared secret');
    expect(error.problem).toContain('pemSecretStore(…) of @rs/core/node');
    expectNotEchoed(error.message, utf8(pem));
  });

  it('refuses every kind and form of key material, pointing at the right tool, never repeating it', () => {
    expect(materials.length).toBeGreaterThan(100);
    for (const material of materials) {
      const error = refusal(() => sharedSecret(material.bytes), 'sharedSecret', material.label);
      expect(error.problem, material.label).toContain('not a shared secret');
      expect(error.problem, material.label).toContain(toolNamed(material));
      expectNotEchoed(error.message, material.bytes);
    }
  });

  it('refuses the material given as a string as well as bytes', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwkText = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const error = expectConfigError(() => sharedSecret(jwkText), 'sharedSecret');
    expect(error.problem).toContain('the JSON text of a JWK, not a shared secret');
    expect(error.problem).toContain('staticJwks({ keys: [jwk] })');
    expect(error.message).not.toContain(JSON.parse(jwkText).x);
  });
});

describe('an oct JWK in a static set refuses key material of another kind', () => {
  it('refuses a "k" holding any kind of key material, naming the key, never repeating it', () => {
    for (const material of materials) {
      const k = base64url.encode(material.bytes);
      const error = refusal(
        () => staticJwks({ keys: [{ kty: 'oct', kid: 'h1', k }] }),
        'staticJwks',
        material.label,
      );
      expect(error.problem, material.label).toContain('key "h1": "k" is');
      expect(error.problem, material.label).toContain('not a shared secret');
      expectNotEchoed(error.message, material.bytes);
    }
  });
});

describe('secrets of every usual shape are still taken', () => {
  const ROUNDS = 3_000;
  const WORDS = (
    'correct horse battery staple orbit lantern maple quartz velvet harbor cinder meadow falcon ' +
    'pepper tundra willow copper saddle ember glacier thistle bramble cobalt juniper mosaic ' +
    'nectar pylon raven sierra timber umber vortex walnut yonder zephyr begin ssh key rsa ecdsa'
  ).split(' ');
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
  const lengthBetween = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));
  const printable = (length: number) =>
    String.fromCharCode(...Array.from(randomBytes(length), (byte) => 0x21 + (byte % 94)));

  const shapes: Record<string, () => string | Uint8Array> = {
    'random bytes': () => randomBytes(lengthBetween(32, 128)),
    'random bytes that open like DER (0x30)': () => {
      const bytes = randomBytes(lengthBetween(32, 300));
      bytes[0] = 0x30;
      return bytes;
    },
    'random bytes that open like an SSH blob': () => {
      const bytes = randomBytes(lengthBetween(32, 96));
      bytes.set([0, 0, 0], 0);
      return bytes;
    },
    'base64 (openssl rand -base64)': () =>
      `${Buffer.from(randomBytes(lengthBetween(32, 96))).toString('base64')}\n`,
    base64url: () => Buffer.from(randomBytes(lengthBetween(32, 96))).toString('base64url'),
    'hex (openssl rand -hex)': () => Buffer.from(randomBytes(lengthBetween(32, 64))).toString('hex'),
    'upper-case hex': () =>
      Buffer.from(randomBytes(lengthBetween(32, 64)))
        .toString('hex')
        .toUpperCase(),
    passphrase: () =>
      Array.from({ length: lengthBetween(6, 10) }, () => pick(WORDS)).join(pick([' ', '-', '_', '.'])),
    'printable ASCII': () => printable(lengthBetween(32, 80)),
    'JSON that is no key': () => JSON.stringify({ secret: printable(40), issued: Date.now() }),
  };

  it.each(Object.keys(shapes))('takes %s as a secret, every time', (shape) => {
    const make = shapes[shape]!;
    for (let round = 0; round < ROUNDS; round++) {
      const secret = make();
      const bytes = typeof secret === 'string' ? utf8(secret) : secret;
      if (bytes.byteLength < 32) continue;
      expect(() => sharedSecret(secret)).not.toThrow();
      expect(() => staticJwks({ keys: [{ kty: 'oct', k: base64url.encode(bytes) }] })).not.toThrow();
    }
  });

  it('verifies with a taken secret as before', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret) });
    const outcome = await resolveAt(resolver, await mint(await hmacKey(secret), {}, { alg: 'HS256' }));
    expect(outcome.ok).toBe(true);
  });
});
