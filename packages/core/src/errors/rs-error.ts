/**
 * The key under which each error class of @rs carries its brand, a name such as
 * `'@rs/core/RsConfigError'` that stays the same across builds and releases. A global symbol
 * (`Symbol.for`), so that every copy of @rs loaded in one process reads the brands of the others: an
 * application that loads both the ESM and the CommonJS build (a CommonJS dependency that requires
 * `@rs/core`, or `require()` beside `import`) has two of every class, and `instanceof` must hold across
 * them (see {@link RsError}). An error class of an adapter or store of @rs declares its own brand, as
 * `static override readonly [ERROR_CLASS_BRAND] = '@rs/express/RsRejectionError'`.
 */
export const ERROR_CLASS_BRAND: unique symbol = Symbol.for('@rs/error-class');

/**
 * The base of every error @rs throws: misconfiguration found at start-up (`RsConfigError`), an HTTP
 * exchange that failed (`HttpClientError`), an authorization server that could not be asked
 * (`IntrospectionError`, `DiscoveryError`), and those of the adapters and stores. Requests that are
 * refused are never thrown: they are values (`AuthResult`). `code` is stable across releases, the
 * message is for people.
 *
 * `instanceof` holds across copies of @rs in one process: an `RsConfigError` thrown by the CommonJS build
 * is an instance of the ESM build's `RsConfigError` and `RsError`, as it is of its own (an `RsError` is
 * still no `RsConfigError`). A class you derive from one of them is checked as JavaScript checks it.
 *
 * @example
 * ```ts
 * try {
 *   createResourceServer(options);
 * } catch (error) {
 *   if (error instanceof RsError && error.code === 'ERR_RS_CONFIG') console.error(error.message);
 *   throw error;
 * }
 * ```
 */
export class RsError extends Error {
  /** The brand of this class (see {@link ERROR_CLASS_BRAND}); each error class of @rs declares its own. */
  static readonly [ERROR_CLASS_BRAND]: string = '@rs/core/RsError';

  /**
   * Whether `value` was made by this class or a subclass, in this copy of @rs or in another one loaded
   * beside it. The ordinary check first; then, for a class of @rs (one that declares a brand of its own),
   * whether a class on `value`'s prototype chain carries the same brand. A class without a brand of its
   * own (one you derive) inherits this method but not a brand: it gets the ordinary check alone, or every
   * `RsError` would pass for an instance of it.
   */
  static override [Symbol.hasInstance]<T>(this: ErrorClass<T>, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: the class on the right of `instanceof`, maybe a subclass.
    return isInstanceOf(this, value);
  }

  override name = 'RsError';
  /** Stable code for programmatic checks, such as `ERR_RS_CONFIG`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A class whose instances are `T`: the error class on the right of `instanceof`. */
type ErrorClass<T> = abstract new (...args: never) => T;

interface Branded {
  readonly [ERROR_CLASS_BRAND]: unknown;
}

/** `value instanceof errorClass`, by the ordinary check or, for a class of @rs, by its brand. */
function isInstanceOf(errorClass: ErrorClass<unknown>, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(errorClass, value)) return true;
  if (!Object.hasOwn(errorClass, ERROR_CLASS_BRAND)) return false;
  return carriesBrand(value, (errorClass as unknown as Branded)[ERROR_CLASS_BRAND]);
}

/**
 * Whether a class on `value`'s prototype chain declares `brand` as its own: the class that made it, or
 * one it derives from. Own properties only, as the brand of a class is not its subclasses'.
 */
function carriesBrand(value: unknown, brand: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (
    let prototype: unknown = Object.getPrototypeOf(value);
    typeof prototype === 'object' && prototype !== null;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    const maker: unknown = Object.hasOwn(prototype, 'constructor')
      ? (prototype as { constructor: unknown }).constructor
      : undefined;
    if (
      typeof maker === 'function' &&
      Object.hasOwn(maker, ERROR_CLASS_BRAND) &&
      (maker as unknown as Branded)[ERROR_CLASS_BRAND] === brand
    )
      return true;
  }
  return false;
}
