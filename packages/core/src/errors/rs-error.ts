/**
 * The base of every error @rs throws: misconfiguration found at start-up (`RsConfigError`), an HTTP
 * exchange that failed (`HttpClientError`), an authorization server that could not be asked
 * (`IntrospectionError`, `DiscoveryError`), and those of the adapters and stores. Requests that are
 * refused are never thrown: they are values (`AuthResult`). `code` is stable across releases, the
 * message is for people.
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
  override name = 'RsError';
  /** Stable code for programmatic checks, such as `ERR_RS_CONFIG`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
