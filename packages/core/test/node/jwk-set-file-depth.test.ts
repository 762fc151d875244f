import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkSetFileStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

const OPTION = 'jwkSetFileStore.file';

/** A JWK set with one real key, and a member `x` nesting `levels` arrays (the set is one level more). */
async function jwkSetNesting(levels: number): Promise<string> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const key = JSON.stringify({ ...(await exportJWK(publicKey)), kid: 'sig-1' });
  return `{"keys":[${key}],"x":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}

describe('jwkSetFileStore refuses a file nested too deep before parsing it', () => {
  it('refuses 8 MiB of nested arrays, with maxFileBytes raised to let it in', async () => {
    const levels = 4 * 1024 * 1024;
    const directory = tempDirectory({ 'jwks.json': await jwkSetNesting(levels) });
    const { message } = expectConfigError(
      () => jwkSetFileStore({ file: `${directory}/jwks.json`, maxFileBytes: 3 * levels }),
      OPTION,
    );
    expect(message).toContain(`${directory}/jwks.json nests objects and arrays deeper than 32 levels`);
  });

  it('refuses from 33 levels; 32 are read', async () => {
    const directory = tempDirectory({
      'deep.json': await jwkSetNesting(32),
      'deepest.json': await jwkSetNesting(31),
    });
    expect(
      expectConfigError(() => jwkSetFileStore({ file: `${directory}/deep.json` }), OPTION).message,
    ).toContain('deeper than 32 levels');
    expect(jwkSetFileStore({ file: `${directory}/deepest.json` }).keys!('any')).toHaveLength(1);
  });
});
