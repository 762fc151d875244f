import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// What the lite entry leaves out must not be in a Worker's bundle: not the optional stages it refuses,
// and not the parts of jose it never calls. The Worker a typical user writes is bundled here from the
// sources as scripts/measure-install-size.mjs bundles it (esbuild, `workerd` condition, tree shaking), and
// every module that reached the output is listed.

const CORE_SOURCES = fileURLToPath(new URL('../../src/', import.meta.url));

/** Modules (paths relative to core's `src/`, or inside jose) that a lite Worker never holds. */
const LEFT_OUT: readonly (readonly [string, RegExp])[] = [
  ['DPoP proofs', /^dpop\//],
  ['cnf confirmation', /^confirmation\/(?!bound-token-refusal|confirmation-method\.)/],
  ['failure answers', /^failure-answers\//],
  ['RFC 9728 metadata', /^metadata\//],
  ['audit and telemetry', /^(?:otel\/|observed-authentication\.)/],
  ['introspection', /^introspection\//],
  ['secrets providers', /^secrets\//],
  ['issuer discovery', /^discovery\//],
  ['the token cache', /^(?:cache\/|resolvers\/jwt-cache-namespace\.)/],
  ['security events', /^security-events\//],
  ['Node-only code', /^node\//],
  ['encrypted tokens', /^jose\/(?:compact-jwe|jwe-decryptor|encrypted-jwt-reader)\./],
  ["jose's JWE code", /jose\/dist\/webapi\/(?:jwe\/|lib\/jwe_algorithms\.)/],
  // importJWK brings jose's JWE key-management table with it; verification keys are imported directly.
  ["jose's importJWK", /jose\/dist\/webapi\/(?:key\/import|lib\/key_algorithm)\./],
];

async function bundledModules(source: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: source, resolveDir: CORE_SOURCES, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  return Object.entries(output!.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path.replace(/^(?:.*?packages\/core\/)?src\//, ''));
}

describe('a Worker bundle of @rs/core/lite', () => {
  it('holds none of what the lite entry leaves out', async () => {
    const modules = await bundledModules(
      "export { createResourceServer, jwtResolver, remoteJwks } from './lite/index.ts';\n",
    );
    expect(modules).toContain('lite/resource-server.ts');
    expect(modules.some((path) => path.includes('jose/dist/webapi/jws/compact/verify.js'))).toBe(true);
    for (const [what, pattern] of LEFT_OUT) {
      expect(
        modules.filter((path) => pattern.test(path)),
        what,
      ).toEqual([]);
    }
  });
});
