import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBoundedFile } from '../../src/node/bounded-file.js';
import {
  directorySecretStore,
  jwkSetFileStore,
  pemSecretStore,
  pkcs12SecretStore,
} from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

// Opening a FIFO for reading waits for a writer, and the stores read synchronously: a FIFO in place of a
// key file used to block the whole process at start-up (or, in a directory store, at the request that
// re-reads a client secret). Each test starts a helper that, only after a long while, records that it
// came and then opens the FIFO as its writer: the one thing that could release a blocked read. The store
// must have refused the FIFO before that record exists. The helper's delay only bounds how long the old
// behaviour hangs the test before it fails; it is no time limit on the code under test.
const RELEASE_AFTER_MS = 10_000;

const helpers: ChildProcess[] = [];
afterEach(() => {
  // Our own helper processes, by their handles: those still waiting for a reader are ended here.
  for (const helper of helpers.splice(0)) helper.kill();
});

/** A directory holding the FIFO `name`, and a helper that would release a reader blocked on it. */
function fifoIn(name: string): { directory: string; fifo: string; released: () => boolean } {
  const directory = tempDirectory();
  const fifo = join(directory, name);
  execFileSync('mkfifo', [fifo]);
  const marker = join(directory, 'writer-came');
  const helper = spawn(
    process.execPath,
    [
      '-e',
      `setTimeout(() => {
        require('node:fs').writeFileSync(process.argv[1], '');
        require('node:fs').openSync(process.argv[2], 'w');
      }, ${RELEASE_AFTER_MS});`,
      marker,
      fifo,
    ],
    { stdio: 'ignore' },
  );
  helpers.push(helper);
  return { directory, fifo, released: () => existsSync(marker) };
}

describe.skipIf(process.platform !== 'linux')('a FIFO in place of a key file', () => {
  it('is refused by readBoundedFile at once, as not a regular file', () => {
    const { fifo, released } = fifoIn('key.pem');
    const error = expectConfigError(() => readBoundedFile(fifo, 64 * 1024, 'test.file'), 'test.file');
    expect(error.message).toContain(`${fifo} is not a regular file`);
    expect(released()).toBe(false);
  });

  it('is refused by every file store at start-up, never blocking the process', () => {
    const builds = {
      pemSecretStore: (fifo: string) => pemSecretStore({ secrets: { id: fifo } }),
      'jwkSetFileStore.file': (fifo: string) => jwkSetFileStore({ file: fifo }),
      'pkcs12SecretStore.file': (fifo: string) =>
        pkcs12SecretStore({
          file: fifo,
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: ['signature-key'] }],
        }),
    };
    for (const [store, build] of Object.entries(builds)) {
      const { fifo, released } = fifoIn('key-file');
      const option = store === 'pemSecretStore' ? 'pemSecretStore.secrets' : store;
      expect(expectConfigError(() => build(fifo), option).message, store).toContain('is not a regular file');
      expect(released(), store).toBe(false);
    }
  });

  it('is refused by directorySecretStore when a request reads the secret', () => {
    const { directory, released } = fifoIn('client.secret');
    const store = directorySecretStore({ directory, format: 'plain' });
    const error = expectConfigError(() => store.keys!('client.secret'), 'directorySecretStore');
    expect(error.message).toContain('is not a regular file');
    expect(released()).toBe(false);
  });
});
