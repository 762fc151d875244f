const warned = new Set<string>();

/**
 * Warns once per process and `key`: a development convenience is in use that production must not rely
 * on. Through Node's `process.emitWarning` (printed once to stderr, observable with
 * `process.on('warning')`, silenced with `--no-warnings`), or `console.warn` on runtimes without it.
 * The message names configuration only; it never carries a token or a secret.
 */
export function warnOnce(key: string, code: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  const emit = (
    globalThis as {
      process?: { emitWarning?: ((message: string, options: object) => void) | undefined } | undefined;
    }
  ).process?.emitWarning;
  if (typeof emit === 'function') emit(message, { type: 'RsDevelopmentWarning', code });
  else console.warn(`RsDevelopmentWarning [${code}]: ${message}`);
}
