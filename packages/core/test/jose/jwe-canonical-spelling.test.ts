// One encrypted token, one spelling. Decoders tolerate padding, the standard alphabet, white space and
// spare bits set in the last character: each would be another spelling of the same token (another cache
// key, another token for `revoke({ by: 'token' })`). Every segment of a compact JWE must be canonical
// base64url (RFC 7516 §2, RFC 7515 §2), as every segment of a JWS must be, before jose sees the token.
import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  jwtResolver,
  type ResourceServer,
  revocationList,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { decodeJweHeader, decryptCompactJwe, type JwePolicy } from '../../src/jose/compact-jwe.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  NOW_MS,
  NOW_S,
  randomBytes,
  resolveAt,
} from '../helpers.js';
import { accessClaims, encrypt, serverFor } from '../jwe-setup.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEGMENTS = ['header', 'encrypted key', 'iv', 'ciphertext', 'tag'] as const;

let signer: TestSigningKey;
let secret: Uint8Array;
let gcmSecret: Uint8Array;
let rsa: CryptoKeyPair;
let resolver: AccessTokenResolver;
let rs: ResourceServer;
/** `dir` + A128CBC-HS256: no encrypted key, a 16-byte IV and tag (22 characters, 4 spare bits). */
let dirToken: string;
/** RSA-OAEP-256 + A256GCM around a signed JWT: a 256-byte encrypted key (342 characters). */
let nestedToken: string;
/** `dir` + A128GCM with a ciphertext of 3n + 1 bytes (4 spare bits in its last character). */
let gcmToken: string;

beforeAll(async () => {
  signer = await generateSigningKey('ES256', 'sig-1');
  secret = randomBytes(32);
  gcmSecret = randomBytes(16);
  rsa = await generateKeyPair('RSA-OAEP-256');
  resolver = jwtResolver({
    acceptAnyAudience: true,
    issuer: ISSUER,
    keys: staticJwks(jwksOf(signer)),
    decryption: staticDecryptionKeys([secret, gcmSecret, rsa.privateKey]),
  });
  rs = serverFor(resolver);
  dirToken = await encrypt(accessClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, secret);
  const inner = await mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
  nestedToken = await encrypt(inner, { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' }, rsa.publicKey);
  let claims = JSON.stringify(accessClaims());
  while (claims.length % 3 !== 1)
    claims = JSON.stringify(accessClaims({ pad: 'x'.repeat(claims.length % 3) }));
  gcmToken = await encrypt(claims, { alg: 'dir', enc: 'A128GCM' }, gcmSecret);
});

/**
 * The token with the spare low bits of segment `index`'s last character set: the same bytes to a
 * lenient decoder, another string. `undefined` when the segment's length leaves no spare bit.
 */
function withSpareBitsSet(token: string, index: number): string | undefined {
  const segments = token.split('.');
  const segment = segments[index]!;
  const remainder = segment.length % 4;
  if (remainder !== 2 && remainder !== 3) return undefined;
  const last = ALPHABET.indexOf(segment.at(-1)!);
  expect(last & (remainder === 2 ? 0x0f : 0x03)).toBe(0);
  segments[index] = segment.slice(0, -1) + ALPHABET[last | (remainder === 2 ? 0x0f : 0x03)];
  return segments.join('.');
}

/** The token with `text` inserted into segment `index`, `at` characters from its start. */
function withInserted(token: string, index: number, at: number, text: string): string {
  const segments = token.split('.');
  const segment = segments[index]!;
  segments[index] = segment.slice(0, at) + text + segment.slice(at);
  return segments.join('.');
}

async function expectMalformed(token: string): Promise<void> {
  const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'token_malformed', 401);
  expect(rejection.error).toBe('invalid_token');
}

describe('encrypted tokens in another spelling', () => {
  it('are accepted in their canonical spelling', async () => {
    for (const token of [dirToken, nestedToken, gcmToken])
      expectAccepted(await rs.authenticate(bearerRequest(token)));
  });

  it.each(SEGMENTS.map((name, index) => [name, index] as const))(
    'are refused as malformed with the spare bits of the %s set',
    async (_name, index) => {
      const variants = [dirToken, nestedToken, gcmToken]
        .map((token) => withSpareBitsSet(token, index))
        .filter((variant): variant is string => variant !== undefined);
      // Each segment has spare bits in one token at least (the header and the ciphertext in some).
      expect(variants.length).toBeGreaterThan(0);
      for (const variant of variants) await expectMalformed(variant);
    },
  );

  it('are refused as malformed with padding after the tag (which the Bearer grammar allows)', async () => {
    for (const token of [dirToken, nestedToken, gcmToken]) {
      await expectMalformed(`${token}==`);
      await expectMalformed(`${token}=`);
    }
  });

  it('are refused as malformed by the resolver itself with padding after any other segment', async () => {
    // The Bearer grammar allows `=` only at the end: inside a header value it is refused before.
    for (const token of [dirToken, nestedToken, gcmToken]) {
      for (const index of [0, 1, 2, 3]) {
        const respelled = withInserted(token, index, token.split('.')[index]!.length, '==');
        expectFailure(await resolveAt(resolver, respelled), 'token_malformed');
      }
    }
  });

  it('are refused as malformed in the standard base64 alphabet', async () => {
    const standard = nestedToken.replace(/-/g, '+').replace(/_/g, '/');
    expect(standard).not.toBe(nestedToken);
    await expectMalformed(standard);
  });

  it('are refused as malformed with a segment one character longer than a multiple of 4', async () => {
    // A dangling character carries no whole byte: a lenient decoder drops it or fails late.
    for (const index of [1, 2, 3, 4]) {
      const length = nestedToken.split('.')[index]!.length;
      const added = (((1 - length) % 4) + 4) % 4 || 4;
      await expectMalformed(withInserted(nestedToken, index, length, 'A'.repeat(added)));
    }
  });

  it.each([
    ['a space', ' '],
    ['a line feed', '\n'],
    ['a tab', '\t'],
    ['a carriage return and line feed', '\r\n'],
  ])('are refused as malformed by the resolver itself with %s in the ciphertext', async (_name, text) => {
    for (const token of [dirToken, nestedToken, gcmToken]) {
      expectSuccess(await resolveAt(resolver, token));
      expectFailure(await resolveAt(resolver, withInserted(token, 3, 8, text)), 'token_malformed');
    }
  });

  it('are refused as malformed by the resolver itself with padding or a wider alphabet anywhere', async () => {
    for (const [index, text] of [
      [0, '='],
      [1, '='],
      [2, '+'],
      [3, '/'],
      [4, '='],
      [4, '.'],
    ] as const) {
      expectFailure(await resolveAt(resolver, withInserted(nestedToken, index, 4, text)), 'token_malformed');
    }
  });
});

describe('a token revoked by itself', () => {
  it('is not accepted again in another spelling', async () => {
    const revocations = revocationList({ clock: () => NOW_MS - 60_000 });
    const revoking = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys([secret]),
      revocations,
    });
    const token = await encrypt(accessClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, secret);
    expectSuccess(await resolveAt(revoking, token));
    await revocations.revoke({ by: 'token', value: token });
    expectFailure(await resolveAt(revoking, token), 'token_revoked');
    for (const respelled of [withSpareBitsSet(token, 4)!, withSpareBitsSet(token, 2)!, `${token}==`]) {
      expectFailure(await resolveAt(revoking, respelled), 'token_malformed');
    }
  });
});

describe('the JWE functions themselves', () => {
  const policy: JwePolicy = {
    keyManagementAlgorithms: new Set(['dir', 'RSA-OAEP-256']),
    contentEncryptionAlgorithms: new Set(['A128CBC-HS256', 'A256GCM', 'A128GCM']),
    maxDecompressedBytes: 0,
  };

  it('refuse a token in another spelling before its header is decoded', () => {
    expectSuccess(decodeJweHeader(dirToken, policy));
    for (const index of [2, 3, 4]) {
      const variant = withSpareBitsSet(dirToken, index);
      if (variant !== undefined) expectFailure(decodeJweHeader(variant, policy), 'token_malformed');
    }
    expectFailure(decodeJweHeader(`${dirToken}==`, policy), 'token_malformed');
    expectFailure(decodeJweHeader(withInserted(dirToken, 3, 4, ' '), policy), 'token_malformed');
  });

  it('refuse a token that is not five segments before its header is decoded', () => {
    const segments = dirToken.split('.');
    expectFailure(decodeJweHeader(segments.slice(0, 4).join('.'), policy), 'token_malformed');
    expectFailure(decodeJweHeader(`${dirToken}.AAAA`, policy), 'token_malformed');
  });

  it('never hand a token in another spelling to jose, with any key', async () => {
    expectSuccess(await decryptCompactJwe(dirToken, [secret], policy));
    expectFailure(
      await decryptCompactJwe(withSpareBitsSet(dirToken, 4)!, [secret], policy),
      'token_malformed',
    );
    expectFailure(await decryptCompactJwe(`${dirToken}==`, [secret], policy), 'token_malformed');
    expectFailure(
      await decryptCompactJwe(withInserted(dirToken, 3, 4, '\n'), [secret], policy),
      'token_malformed',
    );
  });
});
