import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The runtimes the tests start, each from the binary its npm package ships. */
export type RuntimeName = 'bun' | 'deno' | 'workerd';

// Each binary ships inside a platform package from npm: no install script, nothing downloaded at run time.
const BINARIES: Record<RuntimeName, { readonly pkg: string; readonly file: string }> = {
  bun: { pkg: '@oven/bun-linux-x64', file: 'bin/bun' },
  deno: { pkg: '@deno/linux-x64-glibc', file: 'deno' },
  workerd: { pkg: '@cloudflare/workerd-linux-64', file: 'bin/workerd' },
};

const require = createRequire(import.meta.url);

/**
 * The path of a runtime's binary. These packages are optional dependencies for Linux x64 (what CI runs
 * on); anywhere else the binary is missing, and this throws rather than letting the suite skip.
 */
export function runtimeBinary(runtime: RuntimeName): string {
  const { pkg, file } = BINARIES[runtime];
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(
      `${runtime}: ${pkg} is not installed (it is an optional dependency for linux-x64; this machine is ${process.platform}-${process.arch})`,
    );
  }
  const binary = join(dirname(manifest), file);
  if (!existsSync(binary)) throw new Error(`${runtime}: ${binary} is missing from ${pkg}`);
  return binary;
}
