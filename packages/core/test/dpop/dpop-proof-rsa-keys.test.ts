// RSA keys in DPoP proof headers are the client's choice and are used before any token is resolved: an
// unusual one (a 3 070-bit exponent, a huge modulus) made one anonymous proof cost many times the CPU of a
// usual one. Such keys are refused before they are imported; keys of JWK sets are judged as before.
import { generatePrimeSync, randomBytes } from 'node:crypto';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import {
  MAX_PROOF_RSA_BITS,
  MIN_RSA_BITS,
  rsaKeyProblem,
  rsaProofKeyProblem,
} from '../../src/keys/rsa-key-checks.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const REFUSED = 'The DPoP proof "jwk" is not an accepted RSA key: ';

const bits = (value: bigint) => value.toString(2).length;
const encode = (value: bigint) => {
  const hex = value.toString(16);
  return base64url.encode(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'));
};
const decode = (value: string) => BigInt(`0x${Buffer.from(base64url.decode(value)).toString('hex') || '0'}`);

function inverse(value: bigint, modulus: bigint): bigint | undefined {
  let [r0, r1, s0, s1] = [value % modulus, modulus, 1n, 0n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [s0, s1] = [s1, s0 - quotient * s1];
  }
  return r0 === 1n ? ((s0 % modulus) + modulus) % modulus : undefined;
}

/**
 * A real RSA private key with the public exponent `exponent` (as a function of φ(n), to find one coprime
 * with it) and a modulus of `modulusBits`, as a JWK: WebCrypto and OpenSSL only generate keys with
 * small exponents.
 */
function rsaJwkWithExponent(modulusBits: number, exponent: (phi: bigint) => bigint): JWK {
  for (;;) {
    const p = generatePrimeSync(modulusBits / 2, { bigint: true });
    const q = generatePrimeSync(modulusBits / 2, { bigint: true });
    const n = p * q;
    const phi = (p - 1n) * (q - 1n);
    const e = exponent(phi);
    const d = inverse(e, phi);
    const qi = inverse(q, p);
    if (bits(n) !== modulusBits || d === undefined || qi === undefined) continue;
    return {
      kty: 'RSA',
      n: encode(n),
      e: encode(e),
      d: encode(d),
      p: encode(p),
      q: encode(q),
      dp: encode(d % (p - 1n)),
      dq: encode(d % (q - 1n)),
      qi: encode(qi),
    };
  }
}

/** A DPoP key (PS256) made from a private RSA JWK. */
async function dpopKeyOf(privateJwk: JWK, alg = 'PS256'): Promise<DpopKey> {
  const publicJwk: JWK = { kty: 'RSA', n: privateJwk.n!, e: privateJwk.e! };
  return {
    alg,
    privateKey: (await importJWK(privateJwk, alg)) as CryptoKey,
    publicJwk,
    privateJwk,
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

/** A DPoP key of a freshly generated RSA key pair with `e = 65537` and a modulus of `modulusLength`. */
async function generatedRsaDpopKey(modulusLength: number, alg = 'PS256'): Promise<DpopKey> {
  const { privateKey } = await generateKeyPair(alg, { modulusLength, extractable: true });
  return dpopKeyOf(await exportJWK(privateKey), alg);
}

/** The smallest odd number from `start` up that shares no factor with φ(n). */
function coprimeFrom(start: bigint, step: bigint): (phi: bigint) => bigint {
  return (phi) => {
    let e = start | 1n;
    while (inverse(e, phi) === undefined) e += step;
    return e;
  };
}

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
// Real keys whose proofs are valid in every other respect.
let hugeExponent: DpopKey;
let fiveByteExponent: DpopKey;
let largestExponent: DpopKey;
let exponentThree: DpopKey;
let modulus4096: DpopKey;
let modulus4160: DpopKey;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  // The reported proof key: a 3 072-bit modulus (OpenSSL caps the exponent only above 3 072 bits) and an
  // exponent of 3 070 bits.
  hugeExponent = await dpopKeyOf(
    rsaJwkWithExponent(3072, (phi) => {
      for (;;) {
        const e = (BigInt(`0x${randomBytes(384).toString('hex')}`) >> 2n) | (1n << 3069n) | 1n;
        if (inverse(e, phi) !== undefined) return e;
      }
    }),
  );
  fiveByteExponent = await dpopKeyOf(rsaJwkWithExponent(2048, coprimeFrom(2n ** 32n + 1n, 2n)));
  largestExponent = await dpopKeyOf(rsaJwkWithExponent(2048, coprimeFrom(2n ** 32n - 1n, -2n)));
  exponentThree = await dpopKeyOf(rsaJwkWithExponent(2048, (phi) => (phi % 3n === 0n ? 0n : 3n)));
  modulus4096 = await generatedRsaDpopKey(4096, 'RS256');
  modulus4160 = await generatedRsaDpopKey(4160);
}, 60_000);

const server = () => createResourceServer({ resolver, dpop: true, clock: () => NOW_MS });

/** A token bound to `key`, presented with a valid proof signed by it. */
async function authenticateWith(key: DpopKey) {
  const token = await mint(issuerKey, { cnf: { jkt: key.jkt } });
  return server().authenticate(dpopRequest(token, await makeProof(key, {}, { token })));
}

describe('an RSA key in a DPoP proof header', () => {
  it('is refused with a 3 070-bit exponent, however valid the proof, before it is imported', async () => {
    expect(bits(decode(hugeExponent.publicJwk.e!))).toBe(3070);
    const rejection = expectRejected(await authenticateWith(hugeExponent), 'dpop_proof_invalid', 401);
    expect(rejection.description).toBe(
      `${REFUSED}its public exponent is 3070 bits: client keys need one of at most 32 bits, such as 65537`,
    );
    expect(rejection.wwwAuthenticate).toContain('DPoP error="invalid_dpop_proof"');
  });

  it('is refused with an exponent longer than 4 bytes, and accepted with the largest of 4', async () => {
    expect(bits(decode(fiveByteExponent.publicJwk.e!))).toBe(33);
    const rejection = expectRejected(await authenticateWith(fiveByteExponent), 'dpop_proof_invalid');
    expect(rejection.description).toMatch(/^The DPoP proof "jwk" is not an accepted RSA key: .*33 bits/);
    expect(bits(decode(largestExponent.publicJwk.e!))).toBe(32);
    expectAccepted(await authenticateWith(largestExponent));
    expectAccepted(await authenticateWith(exponentThree));
    expectAccepted(await authenticateWith(await dpopKey('PS256')));
  });

  it(`is refused with a modulus over ${MAX_PROOF_RSA_BITS} bits, and accepted with one of ${MAX_PROOF_RSA_BITS}`, async () => {
    const rejection = expectRejected(await authenticateWith(modulus4160), 'dpop_proof_invalid');
    expect(rejection.description).toBe(
      `${REFUSED}its modulus is 4160 bits: client keys need 2048 to 4096 bits`,
    );
    expectAccepted(await authenticateWith(modulus4096));
  });

  it('is refused, never thrown, whatever its numbers, with the reason in the description', async () => {
    const key = await dpopKey('PS256');
    const n = decode(key.publicJwk.n!);
    const cases: [Partial<JWK>, string][] = [
      [{ e: encode(1n) }, 'its public exponent is 1'],
      [{ e: encode(0n) }, 'its public exponent is 0'],
      [{ e: encode(65536n) }, 'its public exponent is 65536'],
      [{ e: encode(2n ** 40n) }, 'its public exponent is even'],
      [{ e: encode(2n ** 32n + 1n) }, 'its public exponent is 33 bits'],
      [{ e: 'not base64url!' }, 'its public exponent ("e") is not a base64url unsigned integer'],
      [{ n: encode(n >> 8n) }, 'its modulus is 2040 bits'],
      [{ n: encode(n - 1n) }, 'its modulus is even'],
      [{ n: encode((n << 2064n) | 1n) }, 'its modulus is 4112 bits'],
      [{ n: encode(2n ** 16383n + 1n) }, 'its modulus is 16384 bits'],
    ];
    for (const [members, reason] of cases) {
      const token = await mint(issuerKey, { cnf: { jkt: key.jkt } });
      const proof = await makeProof(key, {}, { token, header: { jwk: { ...key.publicJwk, ...members } } });
      const rejection = expectRejected(
        await server().authenticate(dpopRequest(token, proof)),
        'dpop_proof_invalid',
        401,
      );
      expect(rejection.description, reason).toMatch(/^The DPoP proof "jwk" is not an accepted RSA key: /);
      expect(rejection.description, reason).toContain(reason);
    }
  });

  it('with leading zero bytes is judged by its value', () => {
    const n = encode(2n ** 2047n + 1n);
    const padded = (value: string) =>
      base64url.encode(Buffer.concat([Buffer.alloc(8), base64url.decode(value)]));
    expect(rsaProofKeyProblem({ n, e: padded('AQAB') })).toBeUndefined();
    expect(rsaProofKeyProblem({ n: padded(n), e: 'AQAB' })).toBeUndefined();
  });
});

describe('the rule for proof keys', () => {
  it(`takes an odd exponent from 3 to 2^32 - 1 and an odd modulus of ${MIN_RSA_BITS} to ${MAX_PROOF_RSA_BITS} bits`, () => {
    const modulus = (size: number) => encode(2n ** BigInt(size - 1) + 1n);
    for (const e of [3n, 65537n, 2n ** 32n - 1n]) {
      for (const size of [MIN_RSA_BITS, 3072, MAX_PROOF_RSA_BITS]) {
        expect(rsaProofKeyProblem({ n: modulus(size), e: encode(e) }), `${size} ${e}`).toBeUndefined();
      }
    }
    for (const [n, e] of [
      [modulus(MIN_RSA_BITS - 1), encode(65537n)],
      [modulus(MAX_PROOF_RSA_BITS + 1), encode(65537n)],
      [modulus(2048), encode(2n ** 32n + 1n)],
      [modulus(2048), encode(2n ** 3069n + 1n)],
      [modulus(2048), encode(1n)],
      [encode(2n ** 2047n), encode(65537n)],
      [undefined, encode(65537n)],
      [modulus(2048), undefined],
    ]) {
      expect(rsaProofKeyProblem({ n, e }), `${n?.length} ${e}`).toBeDefined();
    }
  });

  it('leaves the keys of JWK sets as they were: an issuer may still sign with such keys', async () => {
    const jwk = fiveByteExponent.privateJwk;
    const wide = await generateKeyPair('RS256', { modulusLength: 4160, extractable: true });
    for (const [privateJwk, publicJwk] of [
      [jwk, fiveByteExponent.publicJwk],
      [await exportJWK(wide.privateKey), await exportJWK(wide.publicKey)],
    ] as const) {
      expect(rsaKeyProblem(publicJwk)).toBeUndefined();
      expect(rsaProofKeyProblem(publicJwk)).toBeDefined();
      const signing: TestSigningKey = {
        alg: 'RS256',
        kid: 'rsa-unusual',
        privateKey: (await importJWK(privateJwk, 'RS256')) as CryptoKey,
        publicKey: (await importJWK(publicJwk, 'RS256')) as CryptoKey,
        publicJwk: { ...publicJwk, kid: 'rsa-unusual', alg: 'RS256', use: 'sig' },
      };
      const rs = createResourceServer({
        resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(signing)) }),
        clock: () => NOW_MS,
      });
      expectAccepted(await rs.authenticate(bearerRequest(await mint(signing))));
    }
  });
});
