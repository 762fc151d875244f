import { createRequire } from 'node:module';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';

/**
 * Thrown when a feature of `@rs/core/node` needs a package that is an optional peer dependency of
 * `@rs/core` and is not installed: `undici` for {@link undiciHttpClient}, `node-forge` for
 * `pkcs12SecretStore`. Installing the named package is the fix.
 */
export class MissingPackageError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/MissingPackageError';
  override name = 'MissingPackageError';
  declare readonly code: 'ERR_RS_MISSING_PACKAGE';
  /** The npm package to add, such as `undici`. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, options?: { cause?: unknown }) {
    super(
      'ERR_RS_MISSING_PACKAGE',
      `@rs: ${feature} needs the "${packageName}" package, an optional peer dependency of @rs/core: ` +
        `npm install ${packageName}`,
      options,
    );
    this.packageName = packageName;
  }
}

// Synchronous on purpose: both packages are CommonJS, so a factory can load its package when it is called
// and fail at start-up, naming the package, rather than at the first request. Nothing loads at import.
const requireFromCore = createRequire(import.meta.url);

/** Loads an optional peer dependency of @rs/core, or throws {@link MissingPackageError} naming it. */
export function loadOptionalPeer<T>(packageName: 'undici' | 'node-forge', feature: string): T {
  try {
    return requireFromCore(packageName) as T;
  } catch (error) {
    if (isNotFound(error, packageName)) throw new MissingPackageError(packageName, feature, { cause: error });
    throw error;
  }
}

/** Whether an optional peer dependency of @rs/core can be loaded from here. */
export function optionalPeerInstalled(packageName: 'undici' | 'node-forge'): boolean {
  try {
    requireFromCore.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

// Only the package itself being absent counts: a missing file inside an installed package is a broken
// install, reported as it is.
function isNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as { message?: unknown } | null)?.message;
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${packageName}'`);
}
