/**
 * A built-in module of Node itself (20.16+ has `process.getBuiltinModule`), or `undefined` on any other
 * runtime. Bun and Deno imitate Node's modules, but the tests that prove the Node-only fast paths equal
 * to the portable ones run on Node. Reached through `globalThis` rather than imported, so that the main
 * entry stays free of Node imports and bundlers for Workers or browsers find nothing to resolve.
 */
export function nodeBuiltin(id: 'node:crypto' | 'node:buffer'): unknown {
  try {
    const runtime = (
      globalThis as {
        process?: {
          getBuiltinModule?: (id: string) => unknown;
          versions?: Record<string, string | undefined>;
        };
      }
    ).process;
    const versions = runtime?.versions;
    if (typeof runtime?.getBuiltinModule !== 'function' || typeof versions?.node !== 'string')
      return undefined;
    if (versions.bun !== undefined || versions.deno !== undefined) return undefined;
    return runtime.getBuiltinModule(id);
  } catch {
    return undefined;
  }
}
