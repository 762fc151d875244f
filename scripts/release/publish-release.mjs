// The release as a maintainer makes it (`changeset version`, then `changeset publish`, which runs
// `pnpm publish` per package and so turns `workspace:` ranges into real versions), made in a copy of the
// workspace so that the repository is left as it is.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PNPM_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];

/** Every workspace package: its folder, manifest and whether it is published. */
export function workspacePackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const manifestPath = join(ROOT, group, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      found.push({ folder: join(group, name), manifest, published: manifest.private !== true });
    }
  }
  return found;
}

/** A `pnpm` on PATH for changesets, the version the repository pins, through npx. */
export function pnpmShim(dir) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'pnpm'), `#!/bin/sh\nexec npx -y pnpm@${PNPM_VERSION} "$@"\n`, { mode: 0o755 });
  return bin;
}

/**
 * Copies the workspace (manifests, READMEs, built `dist`, changesets) to `dir`, versions it with
 * `changeset version` and publishes it with `changeset publish` to the registry in `npmrc`.
 * @returns {Map<string, string>} the version published of each package
 */
export async function publishRelease({ dir, registryUrl, npmrc, log }) {
  const copy = join(dir, 'release');
  mkdirSync(copy, { recursive: true });
  for (const file of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml']) {
    cpSync(join(ROOT, file), join(copy, file));
  }
  cpSync(join(ROOT, '.changeset'), join(copy, '.changeset'), { recursive: true });
  // changesets loads its changelog generator from here.
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const packages = workspacePackages();
  for (const { folder, manifest, published } of packages) {
    mkdirSync(join(copy, folder), { recursive: true });
    cpSync(join(ROOT, folder, 'package.json'), join(copy, folder, 'package.json'));
    if (!published) continue;
    if (!existsSync(join(ROOT, folder, 'dist'))) {
      throw new Error(`${manifest.name} has no dist: build first (pnpm exec turbo run build)`);
    }
    for (const entry of manifest.files ?? []) {
      if (existsSync(join(ROOT, folder, entry))) {
        cpSync(join(ROOT, folder, entry), join(copy, folder, entry), { recursive: true });
      }
    }
  }
  linkWorkspaceDependencies(copy, packages);
  writeFileSync(join(copy, '.npmrc'), readFileSync(npmrc));
  const env = {
    ...process.env,
    PATH: `${pnpmShim(dir)}:${process.env.PATH}`,
    npm_config_registry: registryUrl,
    NPM_CONFIG_USERCONFIG: npmrc,
    CI: 'true',
  };
  const changeset = join(ROOT, 'node_modules', '.bin', 'changeset');
  log('$ changeset version');
  await promisify(execFile)(changeset, ['version'], { cwd: copy, env });
  log('$ changeset publish');
  const { stdout: output } = await promisify(execFile)(changeset, ['publish'], {
    cwd: copy,
    env,
    maxBuffer: 64 << 20,
  });
  const versions = new Map();
  for (const { folder, published } of packages) {
    if (!published) continue;
    const manifest = JSON.parse(readFileSync(join(copy, folder, 'package.json'), 'utf8'));
    versions.set(manifest.name, manifest.version);
  }
  return { versions, output };
}

// `pnpm publish` reads the version of a `workspace:` dependency from the installed link, as `pnpm
// install` leaves it; the copy gets those links alone (an install there would need every devDependency).
function linkWorkspaceDependencies(copy, packages) {
  const folderOf = new Map(packages.map(({ folder, manifest }) => [manifest.name, folder]));
  for (const { folder, manifest, published } of packages) {
    if (!published) continue;
    for (const [name, range] of Object.entries({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.devDependencies,
    })) {
      if (!String(range).startsWith('workspace:')) continue;
      const link = join(copy, folder, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(copy, folderOf.get(name)), link, 'dir');
    }
  }
}
