import { describe, expect, it } from 'vitest';
import * as main from '../../src/index.js';
import * as lite from '../../src/lite/index.js';

// The lite entry promises the main entry's building blocks, not look-alikes: an error thrown by one is
// `instanceof` the other's class, a key source from either serves both. Only the two factories differ.
const OWN_FACTORIES = new Set(['createResourceServer', 'jwtResolver']);

describe('@rs/core/lite exports', () => {
  it('are a subset of the main entry, each the very same value but for the two factories', () => {
    const mainExports = main as Record<string, unknown>;
    const shared = Object.entries(lite).filter(([name]) => !OWN_FACTORIES.has(name));
    expect(shared.length).toBeGreaterThan(10);
    for (const [name, value] of shared) {
      expect(Object.hasOwn(mainExports, name), name).toBe(true);
      expect(value, name).toBe(mainExports[name]);
    }
  });

  it('have factories of their own, named as the main entry names them', () => {
    for (const name of OWN_FACTORIES) {
      expect(typeof (lite as Record<string, unknown>)[name], name).toBe('function');
      expect((lite as Record<string, unknown>)[name], name).not.toBe((main as Record<string, unknown>)[name]);
    }
  });
});
