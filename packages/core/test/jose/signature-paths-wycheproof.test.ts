// Wycheproof (C2SP/wycheproof, Apache-2.0; see test/fixtures/wycheproof/README.md) through both
// signature paths: every vector must get the same verdict from jose's portable path and from the
// node:crypto one, and the verdict the vector expects.
import { readFileSync } from 'node:fs';
import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBytesWithNode } from '../../src/jose/node-signature-check.js';
import { agreedVerdict, requireNodePath, signatureVerified } from '../signature-paths-setup.js';

interface JoseVector {
  readonly tcId: number | string;
  readonly comment: string;
  readonly jws?: unknown;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}
interface JoseGroup {
  readonly comment: string;
  readonly public?: JWK | JSONWebKeySet;
  readonly private?: JWK | JSONWebKeySet;
  readonly tests: readonly JoseVector[];
}
interface PrimitiveVector {
  readonly tcId: number;
  readonly comment: string;
  readonly msg: string;
  readonly sig: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}
interface PrimitiveGroup {
  readonly publicKeyJwk?: JWK;
  readonly keyJwk?: JWK;
  readonly tests: readonly PrimitiveVector[];
}

function vectors<G>(file: string): readonly G[] {
  const url = new URL(`../fixtures/wycheproof/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { testGroups: G[] }).testGroups;
}

/** The verification keys of a group: its public keys, or its shared secret for HMAC groups. */
function keySetOf(group: JoseGroup): JSONWebKeySet | undefined {
  const keys = group.public ?? group.private;
  if (keys === undefined) return undefined;
  return 'keys' in keys ? (keys as JSONWebKeySet) : { keys: [keys as JWK] };
}

// Vectors where @rs knowingly differs from Wycheproof's expectation, with the reason. Both paths still
// agree on them (checked like every other vector).
const KNOWN_DIFFERENCES: Record<string, string> = {
  // Stricter than Wycheproof, on purpose.
  'json_web_signature_test.json#346':
    'a PS384 token under a JWK whose "alg" is PS256: a key that names its algorithm is used for that one only',
  'json_web_signature_test.json#347':
    'the JWK names "ES521" (RFC 7520\'s typo for ES512): a key that names its algorithm is used for that one only',
  'json_web_signature_test.json#350': 'as #346, with key_ops',
  'json_web_signature_test.json#351': 'as #347, with key_ops',
  'json_web_signature_test.json#372':
    'a "?" in the header segment: not base64url (RFC 7515 §2), refused before any key whatever the MAC covers',
  'json_web_signature_test.json#373': 'as #372, in the payload segment',
  // The stored token is byte for byte #357 (a valid MAC): the padding the vector is named after is absent.
  'json_web_signature_test.json#367': 'identical to #357 as stored',
  'json_web_signature_test.json#370': 'identical to #357 as stored',
  // Key-set policy, not signature checking: the token's signature is genuine under the configured key.
  // (Mixed symmetric and public keys, duplicate kids and RSA exponent 1 are refused when a set is read.)
  'json_web_key_test.json#7': 'a ROCA-weak RSA modulus is not detected',
  // The HMAC group's key is 32 zero bytes: a placeholder, refused when the key set is read, so every
  // token of the group is refused whatever its MAC.
  'json_web_signature_test.json#357': 'the HS256 key is 32 zero bytes, refused as a placeholder secret',
  'json_web_signature_test.json#358': 'as #357',
  'json_web_signature_test.json#359': 'as #357',
  'json_web_signature_test.json#376': 'as #357',
  'json_web_signature_test.json#377': 'as #357',
};

beforeAll(requireNodePath);

describe.each([['json_web_signature_test.json'], ['json_web_key_test.json']])('%s', (file) => {
  const groups = vectors<JoseGroup>(file);

  it('every vector gets the same verdict from both paths, and the expected one', async () => {
    let compact = 0;
    const unexpected: string[] = [];
    for (const group of groups) {
      const jwks = keySetOf(group);
      if (jwks === undefined) continue;
      for (const vector of group.tests) {
        // Vectors in the JSON serialization are not access tokens; the resolver never sees them.
        if (typeof vector.jws !== 'string') continue;
        compact++;
        const label = `${file} #${vector.tcId} ${group.comment} ${vector.comment}`;
        const verdict = await agreedVerdict(vector.jws, jwks, label);
        if (vector.result === 'acceptable' || KNOWN_DIFFERENCES[`${file}#${vector.tcId}`] !== undefined)
          continue;
        // Refusing the key set (staticJwks throws) refuses every token signed with it.
        const verified = verdict === undefined ? false : signatureVerified(verdict);
        if (verified !== (vector.result === 'valid')) unexpected.push(`${label}: ${JSON.stringify(verdict)}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect(compact).toBeGreaterThan(file.includes('signature') ? 300 : 20);
  });
});

// The primitive files hold raw messages, not JWS signing inputs: they run below the JWS layer, where
// jose calls WebCrypto's verify with the algorithm's parameters and the Node path calls node:crypto.
const PORTABLE_PARAMETERS: Record<string, AlgorithmIdentifier | RsaPssParams | EcdsaParams> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
  ES256: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  ES384: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
  EdDSA: { name: 'Ed25519' },
};

describe.each([
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'ES256'],
  ['ecdsa_secp384r1_sha384_p1363_test.json', 'ES384'],
  ['rsa_signature_2048_sha256_test.json', 'RS256'],
  ['rsa_pss_2048_sha256_mgf1_32_test.json', 'PS256'],
  ['ed25519_test.json', 'EdDSA'],
])('%s (%s)', (file, alg) => {
  it('every vector gets the same verdict from both paths, and the expected one', async () => {
    let count = 0;
    for (const group of vectors<PrimitiveGroup>(file)) {
      const jwk = group.publicKeyJwk ?? group.keyJwk;
      if (jwk === undefined) continue;
      const key = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
      for (const vector of group.tests) {
        count++;
        const msg = Buffer.from(vector.msg, 'hex');
        const sig = Buffer.from(vector.sig, 'hex');
        const label = `${file} #${vector.tcId} ${vector.comment}`;
        const node = verifyBytesWithNode(key, alg, msg, sig);
        const portable = await crypto.subtle
          .verify(PORTABLE_PARAMETERS[alg]!, key, sig, msg)
          .catch(() => false);
        expect(node, label).toBe(portable);
        if (vector.result !== 'acceptable') expect(node, label).toBe(vector.result === 'valid');
      }
    }
    expect(count).toBeGreaterThan(100);
  });
});
