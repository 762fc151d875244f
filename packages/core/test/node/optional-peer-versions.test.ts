import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  inCaretRange,
  loadOptionalPeer,
  MissingPackageError,
  optionalPeerInstalled,
  SUPPORTED_OPTIONAL_PEERS,
} from '../../src/node/optional-peer.js';

// `pnpm add undici` installs the newest undici, 8 today, which needs Node 22 and on Node 20 fails while it
// loads with a TypeError of its own. The monorepo's undici (7) cannot be swapped for a test, so the other
// versions are stand-in packages in a directory of their own, each with the package.json a real release
// has; the one for undici 8 throws as the real one does on Node 20 (seen with undici 8.14.0 on Node 20.20).

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A `require` that finds, as its `undici`, a package with this package.json and this main file. */
function requireWithUndici(manifest: object, main = 'module.exports = { loaded: true };'): NodeJS.Require {
  const root = mkdtempSync(join(tmpdir(), 'rs-optional-peer-'));
  roots.push(root);
  const dir = join(root, 'node_modules', 'undici');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'undici', main: 'index.js', ...manifest }));
  writeFileSync(join(dir, 'index.js'), main);
  return createRequire(join(root, 'index.js'));
}

const UNDICI_8_ON_NODE_20 =
  "Object.defineProperty(globalThis, '__undici8Loaded', { value: true, configurable: true }); undefined.bind();";

function failure(run: () => unknown): MissingPackageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MissingPackageError);
    return error as MissingPackageError;
  }
  throw new Error('expected a MissingPackageError');
}

describe('loadOptionalPeer', () => {
  it('refuses an undici outside the supported range without loading it, naming versions and the fix', () => {
    const from = requireWithUndici(
      { version: '8.14.0', engines: { node: '>=22.19.0' } },
      UNDICI_8_ON_NODE_20,
    );
    const error = failure(() => loadOptionalPeer('undici', 'undiciHttpClient', from));
    expect(error.code).toBe('ERR_RS_MISSING_PACKAGE');
    expect(error.installedVersion).toBe('8.14.0');
    expect(error.supportedRange).toBe('^7.0.0');
    expect(error.message).toContain('undiciHttpClient');
    expect(error.message).toContain('undici 8.14.0 is installed');
    expect(error.message).toContain('^7.0.0');
    expect(error.message).toContain('npm install undici@7');
    expect(error.message).toContain('pnpm add undici@7');
    expect((globalThis as { __undici8Loaded?: boolean }).__undici8Loaded).toBeUndefined();
  });

  it.each(['6.21.3', '9.0.0', '7.0.0-rc.1', 'not a version'])('refuses undici %s', (version) => {
    const error = failure(() =>
      loadOptionalPeer('undici', 'undiciHttpClient', requireWithUndici({ version })),
    );
    expect(error.installedVersion).toBe(version);
  });

  it('says which version is installed and which Node it declares when a supported one does not load', () => {
    const from = requireWithUndici(
      { version: '7.30.2', engines: { node: '>=20.18.1' } },
      'throw new TypeError("no such API");',
    );
    const error = failure(() => loadOptionalPeer('undici', 'undiciHttpClient', from));
    expect(error.installedVersion).toBe('7.30.2');
    expect(error.message).toContain('undici 7.30.2 is installed');
    expect(error.message).toContain(`does not load on Node ${process.versions.node}`);
    expect(error.message).toContain('>=20.18.1');
    expect((error.cause as Error).message).toBe('no such API');
  });

  it('names a supported major when the package is absent, not the newest one', () => {
    // Absence itself cannot be staged here: the test runner's NODE_PATH reaches the monorepo's packages.
    const error = new MissingPackageError('undici', 'undiciHttpClient');
    expect(error.installedVersion).toBeUndefined();
    expect(error.message).toContain('npm install undici@7');
    expect(new MissingPackageError('node-forge', 'pkcs12SecretStore').message).toContain(
      'npm install node-forge@1',
    );
  });

  it('loads a supported version', () => {
    expect(loadOptionalPeer('undici', 'x', requireWithUndici({ version: '7.1.0' }))).toEqual({
      loaded: true,
    });
    // The undici installed beside @rs/core, which its tests use.
    expect(typeof loadOptionalPeer<{ Agent: unknown }>('undici', 'x').Agent).toBe('function');
  });
});

describe('optionalPeerInstalled (whether the default HTTP client uses undici)', () => {
  it('passes over an unsupported undici with one warning that says fetch is used instead', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const from = requireWithUndici({ version: '8.14.0' }, UNDICI_8_ON_NODE_20);
      expect(optionalPeerInstalled('undici', from)).toBe(false);
      expect(optionalPeerInstalled('undici', from)).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    const ours = warnings.filter(
      (warning) => (warning as { code?: string }).code === 'RS_UNUSABLE_OPTIONAL_PEER',
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toContain('undici 8.14.0 is installed');
    expect(ours[0]!.message).toContain('npm install undici@7');
    expect(ours[0]!.message).toContain("the runtime's fetch is used");
  });

  it('is true when a supported version loads', () => {
    expect(optionalPeerInstalled('undici', requireWithUndici({ version: '7.30.2' }))).toBe(true);
  });
});

describe('the supported ranges', () => {
  it('are the peerDependencies of @rs/core', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(SUPPORTED_OPTIONAL_PEERS)) {
      expect(manifest.peerDependencies[name]).toBe(range);
    }
  });

  it.each([
    ['7.0.0', '^7.0.0', true],
    ['7.30.2', '^7.0.0', true],
    ['7.30.2+build.1', '^7.0.0', true],
    ['8.0.0', '^7.0.0', false],
    ['6.99.99', '^7.0.0', false],
    ['7.0.0-rc.1', '^7.0.0', false],
    ['1.3.0', '^1.3.1', false],
    ['1.3.1', '^1.3.1', true],
    ['1.4.3', '^1.3.1', true],
    ['2.0.0', '^1.3.1', false],
  ] as const)('%s in %s: %s', (version, range, expected) => {
    expect(inCaretRange(version, range)).toBe(expected);
  });
});
