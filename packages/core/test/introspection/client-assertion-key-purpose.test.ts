// The key that signs private_key_jwt client assertions must be a signing key. Before, the resource
// server's own decryption key, marked `"use": "enc"` or `"alg": "RSA-OAEP-256"`, built and signed every
// assertion: one RSA key both decrypting and signing is what key separation forbids. The decryption keys
// of RFC 9701 answers get the same markers' check the other way round.
import { compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  type IntrospectionResolverOptions,
  introspectionResolver,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectConfigError } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

const KEY_OPTION = 'introspectionResolver.clientAuthentication.privateKey';
const DECRYPTION_OPTION = 'introspectionResolver.jwtResponse.decryptionKeys[0]';
const ENDPOINT = 'https://as.example.com/oauth2/introspect';

let rsaPrivate: JWK;
let ecdhPrivate: JWK;
let signing: JWK;

beforeAll(async () => {
  // The resource server's own decryption key, as it would be at hand beside the client credentials.
  const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  rsaPrivate = { ...(await exportJWK(rsa.privateKey)), kid: 'rs-1' };
  const ecdh = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  ecdhPrivate = { ...(await exportJWK(ecdh.privateKey)), kid: 'ecdh-1' };
  signing = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
});

const standIns: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

function withKey(privateKey: JWK, endpoint = ENDPOINT, algorithm = 'RS256') {
  const clientAuthentication: ClientAuthentication = {
    method: 'private_key_jwt',
    clientId: 'rs',
    privateKey,
    algorithm,
  };
  return () =>
    introspectionResolver({
      endpoint,
      audience: AUDIENCE,
      allowInsecureHttp: endpoint.startsWith('http:'),
      clientAuthentication,
    } as IntrospectionResolverOptions);
}

describe('private_key_jwt signs only with a key whose markers allow signing with its algorithm', () => {
  it.each([
    ['marked "use": "enc"', { use: 'enc' }, 'it is marked "use": "enc"'],
    ['marked "alg": "RSA-OAEP-256"', { alg: 'RSA-OAEP-256' }, '"RSA-OAEP-256", not the algorithm RS256'],
    ['marked for another signature algorithm', { alg: 'PS256' }, '"PS256", not the algorithm RS256'],
    ['whose key_ops also decrypt', { key_ops: ['sign', 'decrypt'] }, 'mix signature and encryption'],
    ['whose key_ops repeat "sign"', { key_ops: ['sign', 'sign'] }, 'unique strings'],
    ['whose "ext" is not a boolean', { ext: 'no' }, '"ext" is not a boolean'],
  ] as const)('refuses, when built, a private JWK %s', (_, markers, reason) => {
    const error = expectConfigError(withKey({ ...rsaPrivate, ...markers } as JWK), KEY_OPTION);
    expect(error.problem).toContain(reason);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'n'] as const)
      expect(error.message).not.toContain(rsaPrivate[member]);
  });

  it('signs with a key whose every marker says so, and the assertion verifies', async () => {
    const server = await startStandInServer(() => ({ json: { active: false } }));
    standIns.push(server);
    const marked = { ...rsaPrivate, use: 'sig', alg: 'RS256', key_ops: ['sign'], ext: false };
    const resolver = withKey(marked, server.introspectionEndpoint)();
    await resolver.resolve('opaque-token', { request: bearerRequest('opaque-token'), now: Date.now() });
    const assertion = server.requests[0]?.form.get('client_assertion');
    expect(assertion).toBeTypeOf('string');
    const verifier = await importJWK({ kty: 'RSA', n: rsaPrivate.n, e: rsaPrivate.e }, 'RS256');
    const { protectedHeader } = await compactVerify(assertion!, verifier);
    expect(protectedHeader.alg).toBe('RS256');
  });
});

describe('RFC 9701 decryption keys: refused when their markers or material say they cannot decrypt', () => {
  function withDecryptionKey(key: JWK) {
    return () =>
      introspectionResolver({
        endpoint: ENDPOINT,
        issuer: 'https://as.example.com',
        audience: AUDIENCE,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
        jwtResponse: { keys: staticJwks({ keys: [signing] }), audience: 'rs', decryptionKeys: [key] },
      } as IntrospectionResolverOptions);
  }

  it.each([
    ['an "ext" that is not a boolean', () => ({ ...rsaPrivate, ext: 'no' }), '"ext" is not a boolean'],
    ['key_ops that also sign', () => ({ ...rsaPrivate, key_ops: ['decrypt', 'sign'] }), 'mix signature'],
    ['an "alg" of a signature', () => ({ ...rsaPrivate, alg: 'RS256' }), 'is a signature algorithm'],
    ['an EC point off its curve', () => ({ ...ecdhPrivate, y: ecdhPrivate.x }), 'the point is not on P-256'],
  ] as const)('refuses a key with %s', (_, key, reason) => {
    const error = expectConfigError(withDecryptionKey(key() as JWK), DECRYPTION_OPTION);
    expect(error.problem).toContain(reason);
    expect(error.message).not.toContain(rsaPrivate.d);
    expect(error.message).not.toContain(ecdhPrivate.d);
  });

  it('takes a key whose every marker says it decrypts', () => {
    const marked = { ...rsaPrivate, use: 'enc', alg: 'RSA-OAEP-256', key_ops: ['decrypt'], ext: false };
    expect(withDecryptionKey(marked)).not.toThrow();
  });
});
