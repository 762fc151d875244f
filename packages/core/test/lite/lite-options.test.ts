import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  RsConfigError,
  staticJwks,
} from '../../src/lite/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

// What the lite entry leaves out, given from JavaScript (or untyped configuration), is refused at the
// factory with an RsConfigError that names the option and says where to find it; never ignored.

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

/** Asserts the refusal of an option the lite entry leaves out. */
function expectRefusedInLite(build: () => unknown, option: string): void {
  const error = expectConfigError(build, option);
  expect(error.message).toContain('not available in the lite entry');
  expect(error.message).toContain('import from @rs/core');
}

describe('createResourceServer refuses what it leaves out, by name', () => {
  it.each([
    ['dpop', true],
    ['dpop', { algorithms: ['ES256'] }],
    ['certificateHeader', { name: 'x-client-cert' }],
    ['requireSenderConstrained', 'mtls'],
    ['jwkConfirmation', () => true],
    ['failureResponses', { invalid_token: { status: 404 } }],
    ['protectedResource', { resource: 'https://api.example.com' }],
    ['onAudit', () => {}],
    ['telemetry', { attach() {}, startRequest() {} }],
  ])('%s', (option, value) => {
    expectRefusedInLite(() => createResourceServer({ resolver, [option]: value } as never), option);
  });

  it('a server policy demanding sender-constrained tokens', () => {
    expectRefusedInLite(
      () => createResourceServer({ resolver, policy: { requireSenderConstrained: 'any' } as never }),
      'policy.requireSenderConstrained',
    );
  });

  it('a route policy demanding sender-constrained tokens, when the route is registered', () => {
    const rs = createResourceServer({ resolver });
    expectRefusedInLite(
      () => rs.checkPolicy({ requireSenderConstrained: 'mtls' }, 'protect.policy'),
      'protect.policy.requireSenderConstrained',
    );
    expect(rs.checkPolicy({ scopes: ['read'] }, 'protect.policy')).toEqual({ scopes: ['read'] });
  });

  it('still refuses an unknown option as the full server does, with the nearest name', () => {
    const error = expectConfigError(() => createResourceServer({ resolver, relm: 'api' } as never), 'relm');
    expect(error.message).toContain('did you mean "realm"');
  });

  it('still checks the options it takes', () => {
    expectConfigError(() => createResourceServer({ resolver, realm: 'a"b' }), 'realm');
    expectConfigError(
      () => createResourceServer({ resolver, tokenLocations: { query: false, authorizationHeader: false } }),
      'tokenLocations',
    );
    expectConfigError(() => createResourceServer({} as never), 'resolver');
  });
});

describe('jwtResolver refuses what it leaves out, by name', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE };

  it.each([
    ['decryption', { keysFor: async () => ({ ok: true, value: [] }) }],
    ['decryptionSecretId', 'jwe-key'],
    ['keyManagementAlgorithms', ['dir']],
    ['contentEncryptionAlgorithms', ['A256GCM']],
    ['maxDecompressedBytes', 1024],
    ['secrets', { verificationKeys() {}, decryptionKeys() {} }],
    ['verificationSecretId', 'signing-key'],
    ['verifiedTokenCache', { maxEntries: 100 }],
  ])('%s', (option, value) => {
    expectRefusedInLite(
      () => jwtResolver({ ...base, keys: staticJwks(jwksOf(key)), [option]: value } as never),
      `jwtResolver.${option}`,
    );
  });

  it('requires keys: the lite entry discovers none from the issuer', () => {
    const error = expectConfigError(() => jwtResolver(base as never), 'jwtResolver.keys');
    expect(error.message).toContain('import jwtResolver from @rs/core');
  });

  it('has no cache namespace, so a token cache refuses it rather than share answers', () => {
    const lite = jwtResolver({ ...base, keys: staticJwks(jwksOf(key)) });
    expect(lite.cacheNamespace).toBeUndefined();
    expect(lite.recall).toBeUndefined();
  });

  it('still checks the options it takes', () => {
    expectConfigError(
      () => jwtResolver({ ...base, keys: staticJwks(jwksOf(key)), algorithms: ['none'] }),
      'jwtResolver.algorithms',
    );
    expect(() => jwtResolver({ ...base, keys: staticJwks(jwksOf(key)), skewAllowance: 3600 })).toThrow(
      RsConfigError,
    );
  });
});
