import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtResolver, sharedSecrets } from '../../src/index.js';
import { type PemSecretFile, pemSecretStore } from '../../src/node/index.js';
import { AUDIENCE, expectConfigError, expectSuccess, ISSUER, resolveAt } from '../helpers.js';
import { providerOf, sign, tempDirectory } from '../secrets-setup.js';

/** `count` RSA key pairs, their private keys written as PEM files `key-0.pem`, … (active first). */
function rsaKeyFiles(count: number): { files: string[]; privateKeys: KeyObject[] } {
  const pairs = Array.from({ length: count }, () => generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const directory = tempDirectory(
    Object.fromEntries(
      pairs.map(({ privateKey }, index) => [
        `key-${index}.pem`,
        privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      ]),
    ),
  );
  return {
    files: pairs.map((_, index) => `${directory}/key-${index}.pem`),
    privateKeys: pairs.map(({ privateKey }) => privateKey),
  };
}

function resolverOver(secrets: ReturnType<typeof providerOf>) {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, verificationSecretId: 'sig' });
}

describe('secretsProvider: a rotation never lists keys that no token could reach', () => {
  it('verifies tokens of each of three keys without kid (active, next, previous)', async () => {
    const { files, privateKeys } = rsaKeyFiles(3);
    const resolver = resolverOver(providerOf(pemSecretStore({ secrets: { sig: files } })));
    for (const privateKey of privateKeys)
      expectSuccess(await resolveAt(resolver, await sign(privateKey, { alg: 'RS256' }, { aud: AUDIENCE })));
  });

  it('refuses a fourth key without kid at start-up, naming it: a token is checked against three', () => {
    // Before, the resolver was built and every token of the fourth key refused as signature_invalid.
    const { files } = rsaKeyFiles(4);
    const error = expectConfigError(
      () => resolverOver(providerOf(pemSecretStore({ secrets: { sig: files } }))),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('4 keys without "kid" that verify RS256');
    expect(error.message).toContain(`${files[3]} (private key) would never verify one`);
    expect(error.message).not.toContain(`${files[2]} would never`);
  });

  it('counts by algorithm and leaves keys with a kid out, as tokens naming it reach them', async () => {
    const { files, privateKeys } = rsaKeyFiles(4);
    const entries: PemSecretFile[] = [...files.slice(0, 3), { file: files[3]!, kid: 'previous-2024' }];
    const resolver = resolverOver(providerOf(pemSecretStore({ secrets: { sig: entries } })));
    expectSuccess(
      await resolveAt(
        resolver,
        await sign(privateKeys[3]!, { alg: 'RS256', kid: 'previous-2024' }, { aud: AUDIENCE }),
      ),
    );
  });

  it('refuses four shared secrets under one ID too', () => {
    const secrets = Array.from({ length: 4 }, (_, index) => `shared-secret-${index}-of-32-bytes-at-least!!`);
    const error = expectConfigError(
      () => resolverOver(providerOf(sharedSecrets({ sig: secrets }))),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('4 keys without "kid" that verify HS256');
  });
});
