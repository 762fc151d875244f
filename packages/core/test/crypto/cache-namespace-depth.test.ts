// Every key source and resolver describes its configuration for its cache namespace, recursively. A JWK
// with a member nested ten thousand levels deep exhausted the stack: a RangeError ("Maximum call stack
// size exceeded") out of staticJwks(…) instead of an RsConfigError naming the option.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheNamespaceOf } from '../../src/crypto/cache-namespace.js';
import {
  jwkSetStore,
  jwtResolver,
  secretsProvider,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

let publicJwk: JWK;
let privateJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'enc-1' };
  const signing = await generateKeyPair('RS256', { extractable: true });
  publicJwk = { ...(await exportJWK(signing.publicKey)), kid: 'sig-1' };
});

/** `levels` objects, each the only member of the one before. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let inner = root;
  for (let level = 1; level < levels; level++) {
    const next = {};
    inner.a = next;
    inner = next;
  }
  return root;
}

describe('configuration nested too deep is a configuration error, not a stack overflow', () => {
  it('staticJwks: a key with a member nested 10 000 levels deep', () => {
    const error = expectConfigError(
      () => staticJwks({ keys: [{ ...publicJwk, x5c: nested(10_000) } as unknown as JWK] }),
      'staticJwks',
    );
    expect(error.problem).toContain('deeper than 32 levels');
    expect(error.message).not.toContain(publicJwk.n);
  });

  it('staticDecryptionKeys: a key with a member nested 10 000 levels deep', () => {
    const error = expectConfigError(
      () => staticDecryptionKeys({ keys: [{ ...privateJwk, meta: nested(10_000) } as JWK] }),
      'staticDecryptionKeys',
    );
    expect(error.message).not.toContain(privateJwk.d);
  });

  it('a secret store key: only the members that verify are kept, so the depth of the others does not matter', () => {
    const store = jwkSetStore({ jwks: { keys: [{ ...publicJwk, meta: nested(10_000) } as JWK] } });
    const build = () =>
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        secrets: secretsProvider({ stores: [store] }),
        verificationSecretId: 'signing',
      });
    expect(build).not.toThrow();
  });

  it('cacheNamespaceOf describes 32 levels and refuses a 33rd, naming the option it is given', () => {
    expect(cacheNamespaceOf('test', nested(32))).toBeDefined();
    const error = expectConfigError(() => cacheNamespaceOf('test', nested(33), 'test.option'), 'test.option');
    expect(error.problem).toBe('nests objects and arrays deeper than 32 levels: no configuration does');
    expectConfigError(() => cacheNamespaceOf('test', [[[nested(31)]]]), 'test');
  });
});
