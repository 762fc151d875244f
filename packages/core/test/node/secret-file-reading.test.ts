import { readFileSync, type Stats } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { MAX_SECRET_FILE_BYTES, readBoundedFile } from '../../src/node/bounded-file.js';
import {
  directorySecretStore,
  jwkSetFileStore,
  pemSecretStore,
  pkcs12SecretStore,
} from '../../src/node/index.js';
import { expectConfigError, randomBytes } from '../helpers.js';
import { fixture, providerOf, tempDirectory } from '../secrets-setup.js';

// fstat's answer can be made to lag behind the file, as when the file grows between fstat and the
// reads: the file and every read stay real.
const fstatLag = vi.hoisted(() => ({ reportedSize: undefined as number | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    fstatSync: (fd: number): Stats => {
      const stats = fs.fstatSync(fd);
      if (fstatLag.reportedSize !== undefined) stats.size = fstatLag.reportedSize;
      return stats;
    },
  };
});

const EMPTY_JWKS = '{"keys":[]}\n';

/** Each file store built with `maxFileBytes`, over a file it can read. */
function storesWith(maxFileBytes: number) {
  const directory = tempDirectory({ 'jwks.json': EMPTY_JWKS, 'am.hmac': 'x'.repeat(32) });
  return {
    jwkSetFileStore: () => jwkSetFileStore({ file: `${directory}/jwks.json`, maxFileBytes }),
    pemSecretStore: () => pemSecretStore({ secrets: { id: fixture('ec-p256.pub.pem') }, maxFileBytes }),
    pkcs12SecretStore: () =>
      pkcs12SecretStore({
        file: fixture('openssl.p12'),
        storePassword: 'password',
        mappings: [{ secretId: 'signing', aliases: ['signature-key'] }],
        maxFileBytes,
      }),
    directorySecretStore: () =>
      directorySecretStore({ directory, format: 'plain', maxFileBytes }).keys!('am.hmac'),
  };
}

describe('maxFileBytes', () => {
  it('is a whole number of bytes from 1 to 64 MiB, refused otherwise with RsConfigError', () => {
    expect(MAX_SECRET_FILE_BYTES).toBe(64 * 1024 * 1024);
    for (const wrong of [
      1.5,
      0,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      1e10,
      2 ** 33,
      MAX_SECRET_FILE_BYTES + 1,
    ]) {
      for (const [store, build] of Object.entries(storesWith(wrong))) {
        const error = expectConfigError(build, `${store}.maxFileBytes`);
        expect(error.message).toContain(`must be an integer from 1 to ${MAX_SECRET_FILE_BYTES}`);
      }
    }
    for (const [store, build] of Object.entries(storesWith('4096' as never)))
      expectConfigError(build, `${store}.maxFileBytes`);
  });

  it('takes the largest bound without allocating it: memory follows the file', () => {
    for (const [store, build] of Object.entries(storesWith(MAX_SECRET_FILE_BYTES))) {
      const before = process.memoryUsage().arrayBuffers;
      expect(build(), store).toBeDefined();
      // The files are kilobytes; a buffer of the bound would add 64 MiB.
      expect(process.memoryUsage().arrayBuffers - before, store).toBeLessThan(8 * 1024 * 1024);
    }
  });

  it('still refuses a file one byte over the bound, and reads one exactly at it', () => {
    const directory = tempDirectory({ 'jwks.json': EMPTY_JWKS });
    const file = `${directory}/jwks.json`;
    expect(
      expectConfigError(
        () => jwkSetFileStore({ file, maxFileBytes: EMPTY_JWKS.length - 1 }),
        'jwkSetFileStore.file',
      ).message,
    ).toContain(`is larger than ${EMPTY_JWKS.length - 1} bytes`);
    expect(jwkSetFileStore({ file, maxFileBytes: EMPTY_JWKS.length }).name).toBe(`jwkSetFileStore(${file})`);
  });
});

describe('readBoundedFile', () => {
  const option = 'test.file';

  it('reads a file that grew after fstat, up to the bound, and refuses it past the bound', () => {
    const content = Buffer.from(randomBytes(20_000));
    const file = `${tempDirectory({ 'grown.bin': content })}/grown.bin`;
    fstatLag.reportedSize = 10;
    try {
      // fstat says 10 bytes: the buffer grows as the reads find more, to the whole file.
      expect(readBoundedFile(file, 64 * 1024, option).equals(content)).toBe(true);
      expect(readBoundedFile(file, content.length, option).equals(content)).toBe(true);
      // fstat says the file fits; the reads find more than the bound: refused, never read past it.
      const error = expectConfigError(() => readBoundedFile(file, 15_000, option), option);
      // Found by reading (fstat's size would be given in parentheses).
      expect(error.message).toMatch(/is larger than 15000 bytes$/);
      fstatLag.reportedSize = 0;
      expectConfigError(() => readBoundedFile(file, content.length - 1, option), option);
    } finally {
      fstatLag.reportedSize = undefined;
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'reads /proc files, whose fstat size is 0, within the bound',
    () => {
      const smaps = readBoundedFile('/proc/self/smaps', 16 * 1024 * 1024, option).toString('utf8');
      expect(smaps.length).toBeGreaterThan(8192);
      expect(smaps).toMatch(/^[0-9a-f]+-[0-9a-f]+ /);
      expectConfigError(() => readBoundedFile('/proc/self/smaps', 5000, option), option);
    },
  );

  it('refuses a path holding NUL with RsConfigError, not Node TypeError', () => {
    const directory = tempDirectory({ 'jwks.json': EMPTY_JWKS });
    const message = expectConfigError(
      () => jwkSetFileStore({ file: `${directory}/jwks.json\0` }),
      'jwkSetFileStore.file',
    ).message;
    expect(message).toContain('NUL character');
    expect(readFileSync(`${directory}/jwks.json`, 'utf8')).toBe(EMPTY_JWKS);
  });
});

describe('directorySecretStore paths', () => {
  it('refuses a directory holding NUL with RsConfigError, not Node TypeError', () => {
    const directory = tempDirectory();
    for (const wrong of [`${directory}\0`, 'x\0', '/run/secrets\0']) {
      const error = expectConfigError(
        () => directorySecretStore({ directory: wrong, format: 'plain' }),
        'directorySecretStore.directory',
      );
      expect(error.message).toContain('NUL character');
    }
  });

  it('refuses a directory name too long for the file system with RsConfigError', () => {
    const error = expectConfigError(
      () => directorySecretStore({ directory: `/tmp/${'d'.repeat(5000)}`, format: 'plain' }),
      'directorySecretStore.directory',
    );
    expect(error.message).not.toContain('d'.repeat(300));
  });

  it('does not know an ID too long to name a file, and does not repeat it', () => {
    const store = directorySecretStore({ directory: tempDirectory(), format: 'plain' });
    const secret = Buffer.from(randomBytes(300)).toString('base64url');
    expect(store.keys!(secret)).toBeUndefined();
    const error = expectConfigError(
      () => providerOf(store).verificationKeys(secret, 'jwtResolver.verificationSecretId'),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).not.toContain(secret.slice(0, 32));
  });
});
