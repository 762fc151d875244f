// The node:crypto signature path must accept and refuse exactly what jose's portable path does. Each
// case runs one real token through both (the whole verifier: key selection, header checks, signature,
// payload) and requires the same verdict, and the verdict the case expects.
import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign as signBytes } from 'node:crypto';
import { ECDSA_CURVE_ORDERS } from '@rs/testkit';
import { base64url, importJWK, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticJwks } from '../../src/keys/static-jwks.js';
import { jwtResolver } from '../../src/resolvers/jwt-resolver.js';
import { createResourceServer } from '../../src/resource-server.js';
import { NOW_S } from '../helpers.js';
import {
  ALL_ALGORITHMS,
  agreedVerdict,
  requireNodePath,
  seamChecks,
  signatureVerified,
} from '../signature-paths-setup.js';

interface AlgorithmKey {
  readonly alg: string;
  readonly signingKey: KeyObject | Uint8Array;
  readonly jwk: JWK;
}

const CLAIMS = { iss: 'https://as.example.com', sub: 'alice', scope: 'read', exp: NOW_S + 300, iat: NOW_S };

const SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };

let rsa: { privateKey: KeyObject; publicKey: KeyObject };
let keys: Map<string, AlgorithmKey>;

function publicJwk(key: KeyObject, kid: string): JWK {
  return { ...(key.export({ format: 'jwk' }) as JWK), kid, use: 'sig' };
}

beforeAll(() => {
  requireNodePath();
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
  const p256 = ec('P-256');
  const p384 = ec('P-384');
  const p521 = ec('P-521');
  const ed = generateKeyPairSync('ed25519');
  const rsaJwk = publicJwk(rsa.publicKey, 'rsa');
  keys = new Map<string, AlgorithmKey>();
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
    keys.set(alg, { alg, signingKey: rsa.privateKey, jwk: rsaJwk });
  }
  keys.set('ES256', { alg: 'ES256', signingKey: p256.privateKey, jwk: publicJwk(p256.publicKey, 'p256') });
  keys.set('ES384', { alg: 'ES384', signingKey: p384.privateKey, jwk: publicJwk(p384.publicKey, 'p384') });
  keys.set('ES512', { alg: 'ES512', signingKey: p521.privateKey, jwk: publicJwk(p521.publicKey, 'p521') });
  for (const alg of ['EdDSA', 'Ed25519']) {
    keys.set(alg, { alg, signingKey: ed.privateKey, jwk: publicJwk(ed.publicKey, 'ed') });
  }
  for (const [alg, bytes] of [
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const) {
    const secret = randomBytes(bytes);
    keys.set(alg, {
      alg,
      signingKey: secret,
      jwk: { kty: 'oct', k: base64url.encode(secret), kid: alg.toLowerCase() },
    });
  }
});

function keyFor(alg: string): AlgorithmKey {
  const key = keys.get(alg);
  if (key === undefined) throw new Error(`no test key for ${alg}`);
  return key;
}

function jwksFor(...algs: string[]): { keys: JWK[] } {
  return { keys: [...new Set(algs.map((alg) => keyFor(alg).jwk))] };
}

async function mint(alg: string, header: Record<string, unknown> = {}): Promise<string> {
  const key = keyFor(alg);
  return new SignJWT(CLAIMS).setProtectedHeader({ alg, kid: key.jwk.kid, ...header }).sign(key.signingKey);
}

/** A token whose signature segment is `signature` over the signing input of a real token for `alg`. */
async function withSignature(alg: string, signature: (input: Buffer, valid: Buffer) => Buffer) {
  const token = await mint(alg);
  const dot = token.lastIndexOf('.');
  const input = Buffer.from(token.slice(0, dot));
  const valid = Buffer.from(token.slice(dot + 1), 'base64url');
  return `${token.slice(0, dot + 1)}${signature(input, valid).toString('base64url')}`;
}

function fixed(value: bigint, bytes: number): Buffer {
  return Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex');
}

const ALGORITHMS = ALL_ALGORITHMS;

describe('valid tokens', () => {
  it.each(ALGORITHMS)('%s: both paths accept, with the same claims', async (alg) => {
    const verdict = await agreedVerdict(await mint(alg), jwksFor(alg), alg);
    expect(verdict).toEqual({ ok: true, claims: CLAIMS });
  });

  it('both paths accept a token without kid, from a set of several keys', async () => {
    const token = await mint('ES256', { kid: undefined });
    const verdict = await agreedVerdict(token, jwksFor('RS256', 'ES384', 'ES256', 'EdDSA'));
    expect(verdict?.ok).toBe(true);
  });
});

describe('tampered tokens', () => {
  it.each(ALGORITHMS)('%s: a flipped bit anywhere in the signature is refused by both', async (alg) => {
    const length = Buffer.from((await mint(alg)).split('.')[2]!, 'base64url').byteLength;
    for (const index of [0, 1, length >> 1, length - 2, length - 1]) {
      const token = await withSignature(alg, (_, valid) => {
        const copy = Buffer.from(valid);
        copy[index]! ^= 0x01;
        return copy;
      });
      expect(await agreedVerdict(token, jwksFor(alg), `${alg} byte ${index}`)).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    }
  });

  it.each(ALGORITHMS)('%s: another payload under a valid signature is refused by both', async (alg) => {
    const [header, , signature] = (await mint(alg)).split('.');
    const payload = base64url.encode(JSON.stringify({ ...CLAIMS, sub: 'mallory' }));
    expect(await agreedVerdict(`${header}.${payload}.${signature}`, jwksFor(alg))).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
  });

  it.each(ALGORITHMS)('%s: truncated, extended and empty signatures are refused by both', async (alg) => {
    const variants = [
      (valid: Buffer) => valid.subarray(0, valid.byteLength - 1),
      (valid: Buffer) => Buffer.concat([valid, Buffer.from([0])]),
      (valid: Buffer) => Buffer.concat([Buffer.from([0]), valid]),
      (valid: Buffer) => Buffer.concat([valid, valid]),
      () => Buffer.alloc(0),
    ];
    for (const variant of variants) {
      const token = await withSignature(alg, (_, valid) => variant(valid));
      const verdict = await agreedVerdict(token, jwksFor(alg), alg);
      expect(verdict?.ok).toBe(false);
      expect(signatureVerified(verdict!)).toBe(false);
    }
  });
});

describe('ECDSA signatures as JWS requires them (raw r‖s, RFC 7518 §3.4)', () => {
  for (const alg of ['ES256', 'ES384', 'ES512']) {
    const size = () => SIGNATURE_BYTES[alg]! / 2;
    const n = () => ECDSA_CURVE_ORDERS[alg]!;
    const split = (valid: Buffer) => ({ r: valid.subarray(0, size()), s: valid.subarray(size()) });

    it(`${alg}: a DER-encoded signature of the same input is refused by both`, async () => {
      const hash = `sha${alg.slice(2)}`;
      const token = await withSignature(alg, (input) =>
        signBytes(hash, input, { key: keyFor(alg).signingKey as KeyObject, dsaEncoding: 'der' }),
      );
      expect(await agreedVerdict(token, jwksFor(alg), `${alg} DER`)).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    });

    it(`${alg}: r or s of 0, n or above n is refused by both`, async () => {
      const bad = [0n, n(), n() + 1n, (1n << BigInt(size() * 8)) - 1n];
      for (const value of bad) {
        for (const which of ['r', 's'] as const) {
          const token = await withSignature(alg, (_, valid) => {
            const { r, s } = split(valid);
            return which === 'r'
              ? Buffer.concat([fixed(value, size()), s])
              : Buffer.concat([r, fixed(value, size())]);
          });
          expect(await agreedVerdict(token, jwksFor(alg), `${alg} ${which}=${value}`)).toMatchObject({
            ok: false,
            code: 'signature_invalid',
          });
        }
      }
    });

    it(`${alg}: the high-S twin of a valid signature is accepted by both (ECDSA is malleable; neither path normalizes)`, async () => {
      const token = await withSignature(alg, (_, valid) => {
        const { r, s } = split(valid);
        const twin = n() - BigInt(`0x${s.toString('hex')}`);
        return Buffer.concat([r, fixed(twin, size())]);
      });
      expect((await agreedVerdict(token, jwksFor(alg), `${alg} high-S`))?.ok).toBe(true);
    });
  }
});

describe('keys that do not fit', () => {
  it('a token is refused by both when the set holds only keys of another type or curve', async () => {
    // HS256 is not even allowed where no shared secret is configured.
    const cases: [string, string[], string][] = [
      ['ES256', ['ES384', 'ES512'], 'unknown_key'],
      ['ES384', ['ES256'], 'unknown_key'],
      ['RS256', ['ES256', 'EdDSA'], 'unknown_key'],
      ['PS256', ['HS256'], 'unknown_key'],
      ['EdDSA', ['ES256', 'RS256'], 'unknown_key'],
      ['HS256', ['RS256'], 'algorithm_not_allowed'],
      ['HS256', ['HS384'], 'unknown_key'],
    ];
    for (const [alg, others, code] of cases) {
      const verdict = await agreedVerdict(await mint(alg), jwksFor(...others), `${alg} vs ${others}`);
      expect(verdict).toMatchObject({ ok: false, code });
    }
  });

  it('at the seam, a key imported for another algorithm is refused by both, fail closed', async () => {
    const token = await mint('PS256');
    const pairs: [string, JWK][] = [
      ['RS256', keyFor('RS256').jwk],
      ['ES256', keyFor('ES256').jwk],
      ['EdDSA', keyFor('EdDSA').jwk],
    ];
    for (const [importedFor, jwk] of pairs) {
      const key = (await importJWK({ ...jwk, alg: importedFor }, importedFor)) as CryptoKey;
      const checks = await seamChecks(token, key);
      expect(checks?.node, importedFor).toEqual(checks?.portable);
      expect(checks?.node).toMatchObject({ valid: false, failure: { code: 'signature_invalid' } });
    }
  });

  it('RSA keys under 2048 bits are refused by both, in a key set and at the seam', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    // jose refuses to sign with a short key: sign the input directly.
    const header = base64url.encode(JSON.stringify({ alg: 'RS256', kid: 'weak' }));
    const payload = base64url.encode(JSON.stringify(CLAIMS));
    const signature = signBytes('sha256', Buffer.from(`${header}.${payload}`), weak.privateKey);
    const token = `${header}.${payload}.${signature.toString('base64url')}`;
    // A static set holding a weak key is refused when it is configured, before either path runs.
    const verdict = await agreedVerdict(token, {
      keys: [publicJwk(weak.publicKey, 'weak'), keyFor('ES256').jwk],
    });
    expect(verdict).toBeUndefined();

    const key = await crypto.subtle.importKey(
      'jwk',
      weak.publicKey.export({ format: 'jwk' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const checks = await seamChecks(token, key);
    expect(checks?.node).toEqual(checks?.portable);
    expect(checks?.node).toMatchObject({ valid: false, failure: { code: 'signature_invalid' } });
  });

  it('an HMAC tag of another hash under an HS256 header is refused by both', async () => {
    const secret = keyFor('HS256').signingKey as Uint8Array;
    const token = await withSignature('HS256', (input) =>
      createHmac('sha384', secret).update(input).digest(),
    );
    expect(await agreedVerdict(token, jwksFor('HS256'))).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
  });
});

describe('base64url other than canonical', () => {
  // Spare bits: 2 trailing characters carry 4 unused bits, 3 carry 2. Setting one changes the spelling,
  // not the bytes a lenient decoder returns.
  function withSpareBit(segment: string): string | undefined {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    if (segment.length % 4 === 0) return undefined;
    const last = alphabet.indexOf(segment.at(-1)!);
    return `${segment.slice(0, -1)}${alphabet[last | 1]}`;
  }

  it.each(['ES256', 'RS256', 'EdDSA', 'HS256'])(
    '%s: every other spelling is refused by both',
    async (alg) => {
      const token = await mint(alg);
      const [h, p, s] = token.split('.') as [string, string, string];
      const spellings = [
        `${h}.${p}.${s}=`,
        `${h}.${p}.${s}==`,
        `${h}=.${p}.${s}`,
        `${h}.${p}=.${s}`,
        `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}`,
        `${h}.${p}.+${s.slice(1)}`,
        `${h}.${p}.${s.slice(0, 8)} ${s.slice(8)}`,
        `${h}.${p}.${s.slice(0, 8)}*${s.slice(8)}`,
        `${h}.${p.slice(0, 4)}\n${p.slice(4)}.${s}`,
      ];
      for (const part of [0, 1, 2]) {
        const segments = [h, p, s];
        const spare = withSpareBit(segments[part]!);
        if (spare !== undefined) {
          segments[part] = spare;
          spellings.push(segments.join('.'));
        }
      }
      for (const spelling of spellings) {
        if (spelling === token) continue;
        expect(
          await agreedVerdict(spelling, jwksFor(alg), JSON.stringify(spelling.slice(-12))),
        ).toMatchObject({
          ok: false,
          code: 'token_malformed',
        });
      }
    },
  );

  // The resource server scans the token once, while extracting it, and tells the resolver: a spelling
  // that scan did not vouch for must still meet the resolver's own check.
  it.each(['ES256', 'RS256'])(
    '%s: through a resource server, every other spelling is refused',
    async (alg) => {
      const token = await mint(alg);
      const [h, p, s] = token.split('.') as [string, string, string];
      const rs = createResourceServer({
        resolver: jwtResolver({
          issuer: CLAIMS.iss,
          acceptAnyAudience: true,
          keys: staticJwks(jwksFor(alg)),
        }),
        requireHttps: false,
        clock: () => NOW_S * 1000,
      });
      const authenticate = (credentials: string) =>
        rs.authenticate({
          method: 'GET',
          url: 'http://api.test/',
          headers: { authorization: `Bearer ${credentials}` },
        });
      expect((await authenticate(token)).ok).toBe(true);
      for (const spelling of [
        `${h}.${p}.${s}=`,
        `${h}=.${p}.${s}`,
        `${h}.${p}.+${s.slice(1)}`,
        `${h}.${p}~.${s}`,
      ]) {
        const result = await authenticate(spelling);
        expect(result.ok, spelling.slice(-12)).toBe(false);
        // 400 when the header is no b64token at all, 401 when the resolver refused the token.
        expect([400, 401]).toContain(!result.ok && result.rejection.status);
      }
    },
  );
});
