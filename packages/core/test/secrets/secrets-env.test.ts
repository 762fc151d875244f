import { afterEach, describe, expect, it } from 'vitest';
import { envSecretStore, envVariableName, sharedSecrets } from '../../src/index.js';
import { expectConfigError, randomBytes } from '../helpers.js';
import { decryptWith, encrypt, providerOf, sign, verifyWith } from '../secrets-setup.js';

const OPTION = 'jwtResolver.verificationSecretId';

describe('envVariableName', () => {
  it('upper-cases the secret ID and turns dots into underscores, as ForgeRock Identity Gateway does', () => {
    expect(envVariableName('agent.secret.id')).toBe('AGENT_SECRET_ID');
    expect(envVariableName('keystore.secret.id')).toBe('KEYSTORE_SECRET_ID');
    expect(envVariableName('stateless.access.token.verification.key')).toBe(
      'STATELESS_ACCESS_TOKEN_VERIFICATION_KEY',
    );
    expect(envVariableName('my-key.v2')).toBe('MY-KEY_V2');
  });
});

describe('envSecretStore', () => {
  afterEach(() => {
    delete process.env.RS_TEST_HMAC_SECRET;
  });

  it('reads base64 values by the mapped name (as Identity Gateway sets AGENT_SECRET_ID=cGFzc3dvcmQ=)', () => {
    const store = envSecretStore({ env: { AGENT_SECRET_ID: 'cGFzc3dvcmQ=' } });
    const [key] = store.keys!('agent.secret.id')!;
    expect(key!.jwk).toEqual({ kty: 'oct', k: 'cGFzc3dvcmQ' });
    expect(key!.origin).toBe('environment variable AGENT_SECRET_ID');
    expect(store.keys!('agent.secret')).toBeUndefined();
  });

  it('verifies and decrypts real tokens with a secret from process.env', async () => {
    const secret = randomBytes(32);
    process.env.RS_TEST_HMAC_SECRET = Buffer.from(secret).toString('base64');
    const provider = providerOf(envSecretStore({ env: process.env }));
    const verification = provider.verificationKeys('rs.test.hmac.secret', OPTION);
    expect(await verifyWith(verification, await sign(secret, { alg: 'HS256' }))).toBeDefined();
    const decryption = provider.decryptionKeys('rs.test.hmac.secret', 'jwtResolver.decryptionSecretId');
    const token = await encrypt(secret, { alg: 'dir', enc: 'A128CBC-HS256' });
    expect(await decryptWith(decryption, token)).toBe('{"sub":"demo"}');
  });

  it('accepts unpadded and line-wrapped base64, and plain values when asked', () => {
    const bytes = randomBytes(48);
    const wrapped = Buffer.from(bytes)
      .toString('base64')
      .replace(/(.{20})/g, '$1\n');
    const store = envSecretStore({ env: { A: wrapped, B: 'cGFzc3dvcmQ' } });
    expect(Buffer.from(store.keys!('a')![0]!.jwk.k!, 'base64url')).toEqual(Buffer.from(bytes));
    expect(store.keys!('b')![0]!.jwk.k).toBe('cGFzc3dvcmQ');
    const plain = envSecretStore({ env: { A: 'password' }, format: 'plain' });
    expect(plain.keys!('a')![0]!.jwk.k).toBe('cGFzc3dvcmQ');
  });

  it('refuses an empty or non-base64 variable, naming the variable and never the value', () => {
    const store = envSecretStore({ env: { BAD: 'not base64!', EMPTY: '', PADDED: 'cGFzc3dvcmQ==' } });
    const error = expectConfigError(() => store.keys!('bad'), 'envSecretStore');
    expect(error.message).toContain('BAD');
    expect(error.message).not.toContain('not base64!');
    expectConfigError(() => store.keys!('empty'), 'envSecretStore');
    expectConfigError(() => store.keys!('padded'), 'envSecretStore');
  });

  it('lets an unset variable fall through to the next store', () => {
    const provider = providerOf(envSecretStore({ env: {} }), sharedSecrets({ 'am.hmac': randomBytes(32) }));
    expect(provider.verificationKeys('am.hmac', OPTION).symmetric).toBe(true);
  });

  it('takes a custom name mapping, and checks its options', () => {
    const store = envSecretStore({
      env: { RS_AM_HMAC: 'cGFzc3dvcmQ=' },
      variableName: (id) => `RS_${envVariableName(id)}`,
    });
    expect(store.keys!('am.hmac')).toHaveLength(1);
    expectConfigError(() => envSecretStore({} as never), 'envSecretStore.env');
    expectConfigError(() => envSecretStore({ env: {}, format: 'hex' as never }), 'envSecretStore.format');
  });

  it('refuses, when built, a value that is not a string (configuration loaded from JSON), never repeating it', () => {
    for (const value of [12345, null, { nested: 'c2VjcmV0LXZhbHVl' }, ['c2VjcmV0LXZhbHVl'], true]) {
      const error = expectConfigError(
        () => envSecretStore({ env: { OK: 'cGFzc3dvcmQ=', AM_HMAC: value as never } }),
        'envSecretStore.env["AM_HMAC"]',
      );
      expect(error.message).not.toContain('12345');
      expect(error.message).not.toContain('c2VjcmV0LXZhbHVl');
    }
    // An unset variable, written out, is still an unset variable.
    expect(envSecretStore({ env: { AM_HMAC: undefined } }).keys!('am.hmac')).toBeUndefined();
  });

  it('refuses an env that is not a plain object (a Map is never looked into), and takes process.env', () => {
    const map = new Map([['AM_HMAC', 'cGFzc3dvcmQ=']]);
    expectConfigError(() => envSecretStore({ env: map as never }), 'envSecretStore.env');
    expectConfigError(() => envSecretStore({ env: ['cGFzc3dvcmQ='] as never }), 'envSecretStore.env');
    expectConfigError(() => envSecretStore({ env: 'AM_HMAC=cGFzc3dvcmQ=' as never }), 'envSecretStore.env');
    expect(envSecretStore({ env: process.env }).name).toBe('envSecretStore');
    expect(envSecretStore({ env: Object.create(null) }).keys!('x')).toBeUndefined();
  });
});
