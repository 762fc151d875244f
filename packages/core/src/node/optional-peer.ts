import { createRequire } from 'node:module';
import { warnOnce } from '../config/development-warning.js';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';

/** The optional peer dependencies of @rs/core that its Node features load. */
export type OptionalPeer = 'undici' | 'node-forge';

/**
 * The versions of each optional peer that @rs/core is built and tested against: its `peerDependencies`
 * ranges, as caret ranges. A package manager installs the newest version when asked for a package by
 * name (`pnpm add undici`), and only warns of an unmet peer range: undici 8, which needs Node 22, then
 * fails on Node 20 with an error of its own that says nothing of the version. So the version installed
 * is checked before it is loaded.
 */
export const SUPPORTED_OPTIONAL_PEERS: Readonly<Record<OptionalPeer, string>> = {
  undici: '^7.0.0',
  'node-forge': '^1.3.1',
};

/**
 * Thrown when a feature of `@rs/core/node` needs a package that is an optional peer dependency of
 * `@rs/core` and no usable version of it is found: `undici` for {@link undiciHttpClient}, `node-forge`
 * for `pkcs12SecretStore`. Either the package is not installed, or the version installed is outside the
 * range @rs/core supports (`undici` ^7, `node-forge` ^1.3.1), or it is installed but does not load on
 * this runtime (its `cause` then says why). The message names the version installed, the range
 * supported and the command that installs a supported one, such as `npm install undici@7`.
 */
export class MissingPackageError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/MissingPackageError';
  override name = 'MissingPackageError';
  declare readonly code: 'ERR_RS_MISSING_PACKAGE';
  /** The npm package to add, such as `undici`. */
  readonly packageName: string;
  /** The version installed, when one is but cannot be used; `undefined` when the package is absent. */
  readonly installedVersion: string | undefined;
  /** The versions @rs/core supports, as a caret range such as `^7.0.0`. */
  readonly supportedRange: string;

  constructor(
    packageName: string,
    feature: string,
    options?: { cause?: unknown; installedVersion?: string | undefined; problem?: string | undefined },
  ) {
    const supportedRange = SUPPORTED_OPTIONAL_PEERS[packageName as OptionalPeer] ?? '*';
    const install = installCommand(packageName, supportedRange);
    const needs = `@rs: ${feature} needs the "${packageName}" package (${supportedRange}), an optional peer dependency of @rs/core`;
    super(
      'ERR_RS_MISSING_PACKAGE',
      options?.installedVersion === undefined
        ? `${needs}: ${install}`
        : `${needs}, but ${packageName} ${options.installedVersion} is installed${options.problem ?? ''}: ${install}`,
      options,
    );
    this.packageName = packageName;
    this.installedVersion = options?.installedVersion;
    this.supportedRange = supportedRange;
  }
}

// Synchronous on purpose: both packages are CommonJS, so a factory can load its package when it is called
// and fail at start-up, naming the package, rather than at the first request. Nothing loads at import.
const requireFromCore = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency of @rs/core, or throws {@link MissingPackageError} naming it: when it
 * is absent, when the version installed is outside {@link SUPPORTED_OPTIONAL_PEERS}, or when it fails to
 * load. `from` is where the package is looked up, @rs/core's own directory unless a test says otherwise.
 */
export function loadOptionalPeer<T>(
  packageName: OptionalPeer,
  feature: string,
  from: NodeJS.Require = requireFromCore,
): T {
  const installed = installedPeer(packageName, from);
  if (installed.kind === 'absent') {
    throw new MissingPackageError(packageName, feature, { cause: installed.cause });
  }
  if (installed.kind === 'unsupported') {
    throw new MissingPackageError(packageName, feature, { installedVersion: installed.version });
  }
  try {
    return from(packageName) as T;
  } catch (error) {
    throw new MissingPackageError(packageName, feature, {
      cause: error,
      installedVersion: installed.version,
      problem: loadProblem(installed.nodeEngines),
    });
  }
}

/**
 * Whether an optional peer dependency of @rs/core can be used from here: installed, in the supported
 * range, and loading. A package that is installed but unusable (another version pulled in by some other
 * dependency, say) is passed over with a one-time warning that names the version and the fix, so that
 * what falls back to another way (the default HTTP client to `fetch`) does not do so in silence.
 */
export function optionalPeerInstalled(
  packageName: OptionalPeer,
  from: NodeJS.Require = requireFromCore,
): boolean {
  const { feature, otherwise } = FALLBACKS[packageName];
  try {
    loadOptionalPeer(packageName, feature, from);
    return true;
  } catch (error) {
    if (!(error instanceof MissingPackageError)) throw error;
    if (error.installedVersion !== undefined) {
      warnOnce(
        `unusable-optional-peer:${packageName}`,
        'RS_UNUSABLE_OPTIONAL_PEER',
        `${error.message}; until then ${otherwise}`,
      );
    }
    return false;
  }
}

/** What uses each optional peer where it may be absent, and what is done without it. */
const FALLBACKS: Readonly<Record<OptionalPeer, { feature: string; otherwise: string }>> = {
  undici: { feature: 'the default HTTP client', otherwise: "the runtime's fetch is used" },
  'node-forge': { feature: 'pkcs12SecretStore', otherwise: 'it is not used' },
};

type InstalledPeer =
  | { readonly kind: 'absent'; readonly cause: unknown }
  | { readonly kind: 'unsupported'; readonly version: string }
  | { readonly kind: 'supported'; readonly version: string; readonly nodeEngines: string | undefined };

/** What is installed of `packageName` where `from` looks, read from its package.json without loading it. */
function installedPeer(packageName: OptionalPeer, from: NodeJS.Require): InstalledPeer {
  let manifest: { version?: unknown; engines?: { node?: unknown } | undefined };
  try {
    from.resolve(packageName);
    manifest = from(`${packageName}/package.json`) as typeof manifest;
  } catch (error) {
    // Only the package itself being absent counts: a missing file inside an installed package is a
    // broken install, reported as it is.
    if (isNotFound(error, packageName)) return { kind: 'absent', cause: error };
    throw error;
  }
  const version = typeof manifest?.version === 'string' ? manifest.version : 'of an unknown version';
  if (!inCaretRange(version, SUPPORTED_OPTIONAL_PEERS[packageName])) return { kind: 'unsupported', version };
  const nodeEngines = typeof manifest.engines?.node === 'string' ? manifest.engines.node : undefined;
  return { kind: 'supported', version, nodeEngines };
}

/** Whether `version` (`major.minor.patch`, a prerelease or build after it) is in `range` (`^major.minor.patch`). */
export function inCaretRange(version: string, range: string): boolean {
  const wanted = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  // A prerelease is in no caret range (as npm's semver has it, unless the range names one).
  const found = /^(\d+)\.(\d+)\.(\d+)(\+.*)?$/.exec(version);
  if (wanted === null || found === null) return false;
  const [major, minor, patch] = found.slice(1, 4).map(Number) as [number, number, number];
  const [least, leastMinor, leastPatch] = wanted.slice(1, 4).map(Number) as [number, number, number];
  if (least === 0) return false; // @rs declares no 0.x range; a ^0 range would mean something else.
  if (major !== least) return false;
  return minor > leastMinor || (minor === leastMinor && patch >= leastPatch);
}

/** The command that installs a supported version: the major of the range, as `npm install undici@7`. */
function installCommand(packageName: string, supportedRange: string): string {
  const major = /^\^(\d+)\./.exec(supportedRange)?.[1];
  const spec = major === undefined ? packageName : `${packageName}@${major}`;
  return `npm install ${spec} (pnpm add ${spec}, yarn add ${spec})`;
}

function loadProblem(nodeEngines: string | undefined): string {
  const declares =
    nodeEngines === undefined ? '' : `, which it does not support (it declares Node ${nodeEngines})`;
  return ` and does not load on Node ${process.versions.node}${declares}; see the cause`;
}

function isNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as { message?: unknown } | null)?.message;
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${packageName}'`);
}
