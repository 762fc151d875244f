import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJwksServer } from '@rs/testkit';
import { type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jwkSetStore,
  jwtResolver,
  remoteJwks,
  secretsProvider,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { certificateKeyProblem } from '../../src/keys/certificate-key-match.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

// RFC 7517 §4.7: the key in the first certificate of `x5c` MUST match the key the JWK's other members
// represent. @rs verifies with the members only and never trusts `x5c` (it checks no chain); a JWK whose
// certificate holds another key is a broken publication, and which key the issuer signs with cannot be
// told, so it is refused rather than one of the two picked in silence. Real keys and certificates, made
// by openssl.

interface Certified {
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
  /** The self-signed certificate of the key, DER in standard base64, as `x5c` holds it. */
  readonly certificate: string;
}

function certified(directory: string, name: string, newKey: readonly string[]): Certified {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...newKey,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
    ],
    { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const certificate = new X509Certificate(readFileSync(join(directory, `${name}.pem`)));
  return {
    privateKey: createPrivateKey(readFileSync(join(directory, `${name}.key`))),
    publicJwk: certificate.publicKey.export({ format: 'jwk' }) as JWK,
    certificate: certificate.raw.toString('base64'),
  };
}

const RSA = ['-newkey', 'rsa:2048'];
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
const ED25519 = ['-newkey', 'ed25519'];

const keys = {} as Record<'rsa' | 'otherRsa' | 'ec' | 'otherEc' | 'ed25519' | 'otherEd25519', Certified>;

beforeAll(() => {
  const directory = tempDirectory();
  keys.rsa = certified(directory, 'rsa', RSA);
  keys.otherRsa = certified(directory, 'other-rsa', RSA);
  keys.ec = certified(directory, 'ec', EC);
  keys.otherEc = certified(directory, 'other-ec', EC);
  keys.ed25519 = certified(directory, 'ed25519', ED25519);
  keys.otherEd25519 = certified(directory, 'other-ed25519', ED25519);
});

const ALGORITHM = { rsa: 'RS256', ec: 'ES256', ed25519: 'EdDSA' } as const;
const MISMATCH = 'the first certificate of its "x5c" holds another key than its members (RFC 7517 §4.7)';

function sign(key: KeyObject, alg: string, kid: string): Promise<string> {
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg, kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(NOW_S + 600)
    .sign(key);
}

describe.each(['rsa', 'ec', 'ed25519'] as const)('a %s JWK with x5c', (type) => {
  const other = () => keys[type === 'rsa' ? 'otherRsa' : type === 'ec' ? 'otherEc' : 'otherEd25519'];
  const own = () => ({ ...keys[type].publicJwk, kid: 'k1', x5c: [keys[type].certificate] });
  const mismatched = () => ({ ...keys[type].publicJwk, kid: 'k1', x5c: [other().certificate] });

  it.each(['auto', 'portable'] as const)(
    'whose certificate holds its key verifies its tokens (%s signature path)',
    async (signatureVerifier) => {
      // A chain: the leaf first, then any certificate (it is not checked, as no chain is).
      const jwk = { ...own(), x5c: [keys[type].certificate, other().certificate] };
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks({ keys: [jwk] }),
        signatureVerifier,
      });
      const token = await sign(keys[type].privateKey, ALGORITHM[type], 'k1');
      expect(expectSuccess(await resolveAt(resolver, token)).subject).toBe('alice');
    },
  );

  it('whose certificate holds another key is refused by staticJwks, naming it', () => {
    expect(certificateKeyProblem(own())).toBeUndefined();
    const error = expectConfigError(() => staticJwks({ keys: [mismatched()] }), 'staticJwks');
    expect(error.message).toContain(`key "k1": ${MISMATCH}`);
  });

  it('whose certificate holds another key is refused from a secret store', () => {
    const secrets = secretsProvider({ stores: [jwkSetStore({ jwks: { keys: [mismatched()] } })] });
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, verificationSecretId: 'signing' }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain(MISMATCH);
  });
});

describe('in a remote JWK set', () => {
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  beforeAll(async () => {
    const honest = { ...keys.ec.publicJwk, kid: 'honest', x5c: [keys.ec.certificate] };
    const mismatched = { ...keys.rsa.publicJwk, kid: 'torn', x5c: [keys.otherRsa.certificate] };
    server = await startJwksServer({ keys: [honest, mismatched] });
  });
  afterAll(() => server.close());

  it.each(['auto', 'portable'] as const)(
    'a key whose certificate holds another key is left out and reported; neither key verifies (%s)',
    async (signatureVerifier) => {
      const errors: Error[] = [];
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) }),
        signatureVerifier,
      });
      expectSuccess(await resolveAt(resolver, await sign(keys.ec.privateKey, 'ES256', 'honest')));
      expectFailure(
        await resolveAt(resolver, await sign(keys.rsa.privateKey, 'RS256', 'torn')),
        'unknown_key',
      );
      expectFailure(
        await resolveAt(resolver, await sign(keys.otherRsa.privateKey, 'RS256', 'torn')),
        'unknown_key',
      );
      expect(errors.map((error) => error.message).join('\n')).toContain(`"torn": ${MISMATCH}`);
    },
  );
});

describe('an x5c that is no certificate', () => {
  // Only a certificate that can be read proves a torn key; @rs reads nothing else from x5c, as jose.
  it.each([
    ['a string, not an array', 'MIIB'],
    ['an empty array', []],
    ['an array holding a number', [1]],
    ['truncated DER', ['MIIB']],
    ['text that is no base64', ['not a certificate']],
  ])('%s is left alone: the key is used by its members', async (_label, x5c) => {
    const jwk = { ...keys.rsa.publicJwk, kid: 'k1', x5c } as JWK;
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks({ keys: [jwk] }) });
    expectSuccess(await resolveAt(resolver, await sign(keys.rsa.privateKey, 'RS256', 'k1')));
  });

  it('a certificate written in base64url (not base64, as RFC 7517 asks) is still read', () => {
    const certificate = Buffer.from(keys.rsa.certificate, 'base64').toString('base64url');
    expect(() => staticJwks({ keys: [{ ...keys.rsa.publicJwk, x5c: [certificate] }] })).not.toThrow();
    const other = Buffer.from(keys.otherRsa.certificate, 'base64').toString('base64url');
    const jwk = { ...keys.rsa.publicJwk, kid: 'k1', x5c: [other] };
    expect(expectConfigError(() => staticJwks({ keys: [jwk] }), 'staticJwks').message).toContain(MISMATCH);
  });

  it('a key certificate of another type (an EC certificate for an RSA key) is refused', () => {
    const jwk = { ...keys.rsa.publicJwk, kid: 'k1', x5c: [keys.ec.certificate] };
    expect(expectConfigError(() => staticJwks({ keys: [jwk] }), 'staticJwks').message).toContain(MISMATCH);
  });
});

describe('among static decryption keys', () => {
  it('an RSA private key whose certificate holds another key is refused; its own is accepted', () => {
    const privateJwk = keys.rsa.privateKey.export({ format: 'jwk' }) as JWK;
    const own = { ...privateJwk, kid: 'enc', x5c: [keys.rsa.certificate] };
    expect(() => staticDecryptionKeys({ keys: [own] })).not.toThrow();
    const torn = { ...privateJwk, kid: 'enc', x5c: [keys.otherRsa.certificate] };
    const error = expectConfigError(() => staticDecryptionKeys({ keys: [torn] }), 'staticDecryptionKeys');
    expect(error.message).toContain(`key "enc": ${MISMATCH}`);
  });
});
