// The RS256→HS256 key confusion, set up by configuration: the issuer's public key (its PEM text, its JWK's
// JSON) pasted where the HMAC secret goes. Before, sharedSecret(pem) and an `oct` JWK whose `k` was the
// PEM's bytes were taken, and a token anyone signed with HS256 and the public key verified. Now every
// way an HMAC secret is given in configuration refuses key material of another kind at start-up.
import { generateKeyPairSync } from 'node:crypto';
import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, sharedSecret, staticJwks } from '../../src/index.js';
import { AUDIENCE, expectConfigError, hmacKey, ISSUER, mint, randomBytes, resolveAt } from '../helpers.js';
import { growth } from '../linear-growth.js';
import {
  expectNotEchoed,
  type ForeignMaterial,
  foreignMaterials,
  refusal,
  toolNamed,
} from './foreign-key-materials.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const base64Of = (length: number) => Buffer.from(randomBytes(length)).toString('base64');
const hexOf = (length: number) => Buffer.from(randomBytes(length)).toString('hex');

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

describe('sharedSecret sees through the shapes configuration gives key material', () => {
  // Found by review: each was taken as a secret. Named as the message names them.
  it('refuses each shape the review found, naming what it is and how it was encoded', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const body = pem
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('-----'))
      .join('\n');
    const jwk = publicKey.export({ format: 'jwk' });
    const shapes: [string, string, string][] = [
      [
        'a PEM body with literal \\n escapes',
        body.replaceAll('\n', '\\n'),
        'a DER-encoded key or certificate (in base64)',
      ],
      [
        'a PEM body in quotes',
        `"${body.replaceAll('\n', '')}"`,
        'a DER-encoded key or certificate (in base64',
      ],
      [
        'a PEM with literal \\n escapes, quoted',
        `'${pem.replaceAll('\n', '\\n')}'`,
        'a PEM key or certificate',
      ],
      [
        'DER in hex with a 0x prefix',
        `0x${der.toString('hex')}`,
        'a DER-encoded key or certificate (in hex)',
      ],
      [
        'DER in base64 of base64',
        Buffer.from(der.toString('base64')).toString('base64'),
        'a DER-encoded key or certificate (in base64 in base64)',
      ],
      ['a JWK nested in JSON', JSON.stringify({ jwk }), 'JSON text holding a JWK'],
      [
        "a JWK's JSON encoded twice",
        JSON.stringify(JSON.stringify(jwk)),
        'the JSON text of a JWK (in a JSON string)',
      ],
      [
        'a JWK as a JavaScript object literal',
        `{kty:'RSA',n:'${jwk.n}',e:'${jwk.e}'}`,
        'the text of a JWK (a JavaScript object or YAML)',
      ],
    ];
    for (const [label, secret, named] of shapes) {
      const error = refusal(() => sharedSecret(secret), 'sharedSecret', label);
      expect(error.problem, label).toContain(`the secret is ${named}`);
      expectNotEchoed(error.message, utf8(secret));
    }
  });

  it('looks four decodings deep', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    let secret = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (let level = 2; level <= 4; level++) secret = Buffer.from(secret).toString('base64');
    expect(refusal(() => sharedSecret(secret), 'sharedSecret', 'base64 four times').problem).toContain(
      '(in base64 in base64 in base64 in base64)',
    );
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
    'base64 (openssl rand -base64)': () => Buffer.from(randomBytes(lengthBetween(32, 96))).toString('base64'),
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
    'JSON configuration with "keys" and "kty" members that hold no key': () =>
      JSON.stringify({
        keys: pick([pick(WORDS), [printable(40), printable(40)], { primary: printable(40) }, 3]),
        kty: pick(['unused', 'hmac', 'RSA', 'oct', 'none']),
        secret: Buffer.from(randomBytes(32)).toString('base64'),
      }),
    'text that mentions key markers mid-line': () =>
      `${pick(WORDS)} ${pick(['ssh-rsa ', '-----BEGIN ', 'ecdsa-sha2-nistp256 ', 'kty: RSA '])}${printable(
        lengthBetween(32, 64),
      )}`,
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

  // Found by review: each was refused as key material, though it is none.
  it.each([
    ['a JSON object whose "keys" is a string', JSON.stringify({ keys: 'primary', secret: base64Of(32) })],
    ['a JSON object whose "keys" lists secrets', JSON.stringify({ keys: [base64Of(32), base64Of(32)] })],
    ['a JSON object whose "kty" is no key type', JSON.stringify({ kty: 'unused', v: hexOf(32) })],
    ['a JSON object with "kty" but no key member', JSON.stringify({ kty: 'RSA', comment: base64Of(32) })],
    ['a JSON array of secrets', JSON.stringify([base64Of(32), base64Of(32)])],
    ['a passphrase naming an SSH key type mid-line', 'my ssh-rsa rotation secret for the api gateway 2024!!'],
    ['a passphrase opening with an SSH key type', 'ssh-rsa rotation secret for the api gateway 2024!!'],
    [
      'a passphrase naming a PEM marker mid-line',
      'prefix -----BEGIN nothing here, just a long password value',
    ],
  ])('takes %s as a secret', (_, secret) => {
    expect(() => sharedSecret(secret)).not.toThrow();
    expect(() => staticJwks({ keys: [{ kty: 'oct', k: base64url.encode(utf8(secret)) }] })).not.toThrow();
  });

  it('checks a secret of any size, inspecting its first 64 KiB, a nesting bomb in linear time', async () => {
    const huge = Buffer.from(randomBytes(64 * 1024))
      .toString('base64')
      .repeat(48);
    const nested = `${'['.repeat(60_000)}${']'.repeat(60_000)}`;
    const manyStrings = JSON.stringify(Array.from({ length: 1_400 }, () => base64Of(30)));
    const hexOfHex = Buffer.from(Buffer.from(randomBytes(16 * 1024)).toString('hex')).toString('hex');
    for (const secret of [huge, nested, manyStrings, hexOfHex])
      expect(() => sharedSecret(secret)).not.toThrow();
    // By growth, not a wall-clock budget (a loaded machine): JSON nested 8 times as deep costs about 8
    // times the time, never its square (64); the bound is four times linear. Not the default sizes of
    // `growth`: jose's base64 encoding of the secret slows by a step between 16 000 and 32 000 bytes,
    // which sizes on both sides of it would measure instead of the nesting check.
    const nesting = (size: number) => `${'['.repeat(size / 2)}${']'.repeat(size / 2)}`;
    expect(await growth(nesting, (secret) => sharedSecret(secret), 32_000, 256_000)).toBeLessThan(4 * 8);
    // Key material past the first 64 KiB is not looked for: the secret is taken (as bytes: text with line
    // breaks is refused for them).
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(() => sharedSecret(bytes(`${'a'.repeat(64 * 1024)}\n${pem}`))).not.toThrow();
    expect(() => sharedSecret(bytes(`${'a'.repeat(60 * 1024)}\n${pem}`))).toThrow(/PEM/);
    expect(() => sharedSecret(`${'a'.repeat(60 * 1024)}\n${pem}`)).toThrow(/PEM/);
  });

  it('verifies with a taken secret as before', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret) });
    const outcome = await resolveAt(resolver, await mint(await hmacKey(secret), {}, { alg: 'HS256' }));
    expect(outcome.ok).toBe(true);
  });
});
