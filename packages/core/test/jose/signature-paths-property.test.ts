// Property: for random claim sets, algorithms and mutations of a real token, the node:crypto path and
// jose's portable path give the same verdict. Runs are bounded so the file takes a few seconds.
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { base64url, type JWK, SignJWT } from 'jose';
import { beforeAll, expect, it } from 'vitest';
import { NOW_S } from '../helpers.js';
import { bothVerdicts, requireNodePath } from '../signature-paths-setup.js';

const RUNS = 400;
const ALGORITHMS = ['RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS512'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

let signingKeys: Record<Algorithm, KeyObject | Uint8Array>;
// Public keys and shared secrets are separate sets: a set may not mix them.
let publicKeys: { keys: JWK[] };
let secrets: { keys: JWK[] };

beforeAll(() => {
  requireNodePath();
  const exported = (key: KeyObject, kid: string): JWK => ({ ...(key.export({ format: 'jwk' }) as JWK), kid });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const ed = generateKeyPairSync('ed25519');
  const hs256 = randomBytes(32);
  const hs512 = randomBytes(64);
  signingKeys = {
    RS256: rsa.privateKey,
    PS384: rsa.privateKey,
    ES256: p256.privateKey,
    ES384: p384.privateKey,
    ES512: p521.privateKey,
    EdDSA: ed.privateKey,
    HS256: hs256,
    HS512: hs512,
  };
  publicKeys = {
    keys: [
      exported(rsa.publicKey, 'rsa'),
      exported(p256.publicKey, 'p256'),
      exported(p384.publicKey, 'p384'),
      exported(p521.publicKey, 'p521'),
      exported(ed.publicKey, 'ed'),
    ],
  };
  secrets = {
    keys: [
      { kty: 'oct', k: base64url.encode(hs256), kid: 'hs256' },
      { kty: 'oct', k: base64url.encode(hs512), kid: 'hs512' },
    ],
  };
});

const KIDS: Record<Algorithm, string> = {
  RS256: 'rsa',
  PS384: 'rsa',
  ES256: 'p256',
  ES384: 'p384',
  ES512: 'p521',
  EdDSA: 'ed',
  HS256: 'hs256',
  HS512: 'hs512',
};

const BASE64URL_AND_MORE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/= ~?';

/** A change to a token: none, a character replaced, inserted or dropped, or a segment swapped or cut. */
const mutation = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.constantFrom(...BASE64URL_AND_MORE),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.constantFrom(...BASE64URL_AND_MORE),
  }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate-signature' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('header' as const), header: fc.dictionary(fc.string(), fc.jsonValue()) }),
);

type Mutation =
  | { kind: 'none' }
  | { kind: 'replace' | 'insert'; at: number; char: string }
  | { kind: 'drop'; at: number }
  | { kind: 'truncate-signature'; keep: number }
  | { kind: 'header'; header: Record<string, unknown> };

function mutate(token: string, change: Mutation): string {
  switch (change.kind) {
    case 'none':
      return token;
    case 'replace': {
      const at = change.at % token.length;
      return `${token.slice(0, at)}${change.char}${token.slice(at + 1)}`;
    }
    case 'insert': {
      const at = change.at % (token.length + 1);
      return `${token.slice(0, at)}${change.char}${token.slice(at)}`;
    }
    case 'drop': {
      const at = change.at % token.length;
      return `${token.slice(0, at)}${token.slice(at + 1)}`;
    }
    case 'truncate-signature': {
      const dot = token.lastIndexOf('.');
      return token.slice(0, dot + 1 + (change.keep % (token.length - dot)));
    }
    case 'header': {
      const [, payload, signature] = token.split('.');
      return `${base64url.encode(JSON.stringify(change.header))}.${payload}.${signature}`;
    }
  }
}

it('both paths agree on random tokens and random mutations of them', async () => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ALGORITHMS),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
      fc.boolean(),
      mutation,
      async (alg, extraClaims, withKid, change) => {
        const claims = { ...extraClaims, iss: 'https://as.example.com', exp: NOW_S + 300 };
        const token = await new SignJWT(claims)
          .setProtectedHeader(withKid ? { alg, kid: KIDS[alg] } : { alg })
          .sign(signingKeys[alg]);
        const mutated = mutate(token, change as Mutation);
        const verdicts = await bothVerdicts(mutated, alg.startsWith('HS') ? secrets : publicKeys);
        expect(verdicts?.node).toEqual(verdicts?.portable);
        if (verdicts?.node.ok) accepted++;
      },
    ),
    { numRuns: RUNS },
  );
  // The property is only worth something if it saw tokens both paths accept as well as refuse.
  expect(accepted).toBeGreaterThan(RUNS / 10);
  expect(accepted).toBeLessThan(RUNS);
});
