type BuiltinId = 'node:crypto' | 'node:buffer';

interface RuntimeProcess {
  getBuiltinModule?: ((id: string) => unknown) | undefined;
  versions?: Record<string, string | undefined> | undefined;
}

/**
 * A built-in module of Node itself (20.16+ has `process.getBuiltinModule`), or `undefined` on any other
 * runtime. Bun and Deno imitate Node's modules, but the tests that prove the Node-only fast paths equal
 * to the portable ones run on Node. Reached through `globalThis` rather than imported, so that the main
 * entry stays free of Node imports and bundlers for Workers or browsers find nothing to resolve.
 */
export function nodeBuiltin(id: BuiltinId): unknown {
  try {
    const versions = runtimeProcess()?.versions;
    if (typeof versions?.node !== 'string' || versions.bun !== undefined || versions.deno !== undefined)
      return undefined;
  } catch {
    return undefined;
  }
  return nodeCompatibleBuiltin(id);
}

/**
 * As {@link nodeBuiltin}, on any runtime that offers Node's modules (Bun and Deno too): for work whose
 * answer is fixed by a standard (a SHA-256 digest), where an imitation cannot answer differently.
 */
export function nodeCompatibleBuiltin(id: BuiltinId): unknown {
  try {
    const runtime = runtimeProcess();
    return typeof runtime?.getBuiltinModule === 'function' ? runtime.getBuiltinModule(id) : undefined;
  } catch {
    return undefined;
  }
}

function runtimeProcess(): RuntimeProcess | undefined {
  return (globalThis as { process?: RuntimeProcess | undefined }).process;
}
