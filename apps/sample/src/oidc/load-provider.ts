const RUNTIME_WARNING = 'Unsupported runtime';

type OidcProviderModule = typeof import('oidc-provider');

/**
 * Imports oidc-provider without its import-time "Unsupported runtime" warning: version 9 asks for Node.js 22
 * but runs on Node.js 20, this repository's floor. Only that line is dropped; every other warning the
 * provider prints (such as the in-memory adapter's) still shows. Nothing else may import the package
 * statically, or the warning is printed before this filter is in place.
 */
export async function loadOidcProvider(): Promise<OidcProviderModule> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(RUNTIME_WARNING)) return;
    warn(...args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}
