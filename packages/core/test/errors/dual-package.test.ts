// The dual-package hazard: an application that loads both the ESM and the CommonJS build of @rs/core (a
// CommonJS dependency that requires it, or `require()` beside `import`) has two of every class. An error
// thrown by one build was no `instanceof` the other's classes, so an error handler written against one
// passed it on as an unknown error; and a `tokenCache` of one build refused a resolver of the other
// ("must be … the namespace of a resolver of @rs", which it is). These tests load both builds from
// `dist/` (built before the tests run), and two copies of the sources, in one process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as sources from '../../src/index.js';
import type * as nodeSources from '../../src/node/index.js';
import { AUDIENCE, expectSuccess, ISSUER, mint, namespaceDigest, resolveAt } from '../helpers.js';

type Core = typeof sources;
type CoreNode = typeof nodeSources;

const require = createRequire(import.meta.url);
let esm: Core;
let cjs: Core;
let esmNode: CoreNode;
let cjsNode: CoreNode;
let key: TestSigningKey;

beforeAll(async () => {
  // As Node loads `@rs/core` (its `node` export condition) for `import` and for `require`.
  esm = (await import('../../dist/index.node.js')) as unknown as Core;
  cjs = require('../../dist/index.node.cjs') as Core;
  esmNode = (await import('../../dist/node/index.js')) as unknown as CoreNode;
  cjsNode = require('../../dist/node/index.cjs') as CoreNode;
  key = await generateSigningKey('ES256', 'k1');
});

/** What `build` throws. */
function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

/** A configuration mistake of `core`'s `jwtResolver`: `audiences` for `audience`. */
function configErrorOf(core: Core): unknown {
  return thrownBy(() => core.jwtResolver({ issuer: ISSUER, audiences: AUDIENCE } as never));
}

describe('the CommonJS build keeps the code as written', () => {
  it('prints an error with its class name, as the ESM build does', () => {
    // Converting ES module chunks to CommonJS with sucrase renamed every class with static members
    // (`_class2 [RsConfigError]: …` in a printed error) and turned `?.` and `??` into helper calls.
    for (const core of [esm, cjs]) {
      expect(core.RsConfigError.name).toBe('RsConfigError');
      expect(core.RsError.name).toBe('RsError');
      expect(inspect(configErrorOf(core)).split('\n')[0]).toMatch(/^RsConfigError: @rs: invalid option/);
    }
    const source = readFileSync(require.resolve('../../dist/index.node.cjs'), 'utf8');
    const chunks = [...source.matchAll(/require\(['"](\.\/chunk-[\w-]+\.cjs)['"]\)/g)].map(([, chunk]) =>
      readFileSync(require.resolve(`../../dist/${chunk}`), 'utf8'),
    );
    expect(chunks.length).toBeGreaterThan(0);
    for (const code of [source, ...chunks])
      expect(code).not.toMatch(/_optionalChain|_nullishCoalesce|_class\d*\b/);
  });
});

describe('instanceof across the ESM and the CommonJS build', () => {
  it('loads two copies: the classes differ', () => {
    expect(esm.RsConfigError).not.toBe(cjs.RsConfigError);
  });

  it('an RsConfigError of either build is an RsConfigError and an RsError of both', () => {
    for (const [thrower, other] of [
      [cjs, esm],
      [esm, cjs],
    ] as const) {
      const error = configErrorOf(thrower);
      expect(error).toBeInstanceOf(other.RsConfigError);
      expect(error).toBeInstanceOf(other.RsError);
      expect(error).toBeInstanceOf(thrower.RsConfigError);
      expect(error).not.toBeInstanceOf(other.JwkSetError);
      expect(error).not.toBeInstanceOf(other.HttpClientError);
    }
  });

  it('keeps subclass checks exact: an RsError is no RsConfigError, of either build', () => {
    const plain = new cjs.RsError('ERR_RS_CONFIG', 'not a configuration error');
    expect(plain).toBeInstanceOf(esm.RsError);
    expect(plain).not.toBeInstanceOf(esm.RsConfigError);
    expect(plain).not.toBeInstanceOf(cjs.RsConfigError);
    const jwks = new cjs.JwkSetError('ERR_RS_JWKS_AMBIGUOUS', 'two keys');
    expect(jwks).toBeInstanceOf(esm.JwkSetError);
    expect(jwks).not.toBeInstanceOf(esm.DiscoveryError);
    expect(new cjs.DiscoveryError('ERR_RS_DISCOVERY_INVALID', 'x')).toBeInstanceOf(esm.DiscoveryError);
    expect(new cjsNode.MissingPackageError('undici', 'x')).toBeInstanceOf(esmNode.MissingPackageError);
    expect(new cjsNode.MissingPackageError('undici', 'x')).toBeInstanceOf(esm.RsError);
    expect(new Error('plain')).not.toBeInstanceOf(esm.RsError);
    for (const value of [undefined, null, 'ERR_RS_CONFIG', { code: 'ERR_RS_CONFIG' }, Object.create(null)])
      expect(value instanceof esm.RsError).toBe(false);
  });

  it('keeps instanceof working for subclasses an application writes', () => {
    class ApiConfigError extends esm.RsConfigError {}
    const mine = new ApiConfigError('api.port', 'must be a port');
    expect(mine).toBeInstanceOf(ApiConfigError);
    expect(mine).toBeInstanceOf(esm.RsConfigError);
    expect(mine).toBeInstanceOf(cjs.RsConfigError);
    expect(mine).toBeInstanceOf(cjs.RsError);
    // A subclass has no brand of its own: an RsConfigError of either build is not one of it.
    expect(configErrorOf(esm)).not.toBeInstanceOf(ApiConfigError);
    expect(configErrorOf(cjs)).not.toBeInstanceOf(ApiConfigError);
  });

  it('a tokenCache of one build takes a resolver of the other, over a shared store', async () => {
    const token = await mint(key);
    for (const [cacheBuild, resolverBuild] of [
      [cjs, esm],
      [esm, cjs],
    ] as const) {
      const resolver = resolverBuild.jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: resolverBuild.staticJwks(jwksOf(key)),
      });
      const store = cacheBuild.memoryTokenCacheStore();
      const cache = cacheBuild.tokenCache(resolver, { store, ttl: 60_000 });
      expectSuccess(await resolveAt(cache, token));
      expectSuccess(await resolveAt(cache, token));
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
    }
  });

  it('a resolver of one build combining resolvers of the other has a namespace, told apart by their settings', async () => {
    const jwt = (core: Core, audience: string) =>
      core.jwtResolver({ issuer: ISSUER, audience, keys: core.staticJwks(jwksOf(key)) });
    const introspection = (core: Core) =>
      core.introspectionResolver({
        acceptAnyAudience: true,
        endpoint: 'https://as.example.com/introspect',
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      });
    const hybridOver = (core: Core, jwtAudience: string) =>
      core.hybridResolver({ jwt: jwt(cjs, jwtAudience), opaque: introspection(esm) });
    const orders = await namespaceDigest(hybridOver(esm, 'https://orders.example.com'));
    expect(orders).toMatch(/^hybrid-/);
    expect(await namespaceDigest(hybridOver(esm, 'https://orders.example.com'))).toBe(orders);
    expect(await namespaceDigest(hybridOver(esm, 'https://payments.example.com'))).not.toBe(orders);
    // Nested twice across builds: the CommonJS router draws on the ESM hybrid, which draws on both.
    const router = (audience: string) =>
      cjs.issuerRouter({ issuers: { [ISSUER]: hybridOver(esm, audience) } });
    const routed = await namespaceDigest(router('https://orders.example.com'));
    expect(routed).toMatch(/^issuerRouter-/);
    expect(await namespaceDigest(router('https://orders.example.com'))).toBe(routed);
    expect(await namespaceDigest(router('https://payments.example.com'))).not.toBe(routed);
  });
});

describe('instanceof across two copies of the sources', () => {
  // The same check as between the builds, on the sources (two module instances, as two builds are).
  let copy: Core;
  beforeAll(async () => {
    vi.resetModules();
    copy = (await import('../../src/index.js')) as Core;
  });

  it('an error of one copy is an instance of the same class of the other, and of no subclass', () => {
    expect(copy.RsConfigError).not.toBe(sources.RsConfigError);
    const error = configErrorOf(copy);
    expect(error).toBeInstanceOf(sources.RsConfigError);
    expect(error).toBeInstanceOf(sources.RsError);
    expect(new copy.RsError('ERR_RS_X', 'x')).not.toBeInstanceOf(sources.RsConfigError);
    expect(new copy.HttpClientError('ERR_RS_HTTP_TIMEOUT', 'x')).toBeInstanceOf(sources.RsError);
  });

  it('every error class the entries export is an RsError with a brand of its own, so the check holds for each', async () => {
    const node = await import('../../src/node/index.js');
    const brand = Symbol.for('@rs/error-class');
    const exported: [string, unknown][] = [...Object.entries(sources), ...Object.entries(node)];
    const classes = exported.filter(
      (entry): entry is [string, abstract new (...args: never) => unknown] =>
        entry[0].endsWith('Error') && typeof entry[1] === 'function',
    );
    expect(classes.map(([name]) => name)).toContain('SetCheckUnavailableError');
    for (const [name, errorClass] of classes) {
      if (errorClass !== sources.RsError) expect(errorClass.prototype, name).toBeInstanceOf(sources.RsError);
      expect(Object.hasOwn(errorClass, brand), name).toBe(true);
    }
    const unavailable = new copy.SetCheckUnavailableError('The SET replay store is unavailable');
    expect(unavailable).toBeInstanceOf(sources.SetCheckUnavailableError);
    expect(unavailable).toBeInstanceOf(sources.RsError);
    expect(unavailable.code).toBe('ERR_RS_SET_CHECK_UNAVAILABLE');
  });

  it('a namespace of one copy is one of the other, nested as its digest', async () => {
    const jwt = copy.jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: copy.staticJwks(jwksOf(key)) });
    const local = sources.jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: sources.staticJwks(jwksOf(key)),
    });
    const cache = sources.tokenCache(jwt, { store: sources.memoryTokenCacheStore() });
    expectSuccess(await resolveAt(cache, await mint(key)));
    const opaque = sources.introspectionResolver({
      acceptAnyAudience: true,
      endpoint: 'https://as.example.com/introspect',
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    });
    const mixed = sources.hybridResolver({ jwt, opaque });
    const same = sources.hybridResolver({ jwt: local, opaque });
    expect(await namespaceDigest(mixed)).toMatch(/^hybrid-/);
    // The foreign namespace is nested as its digest, its description being the other copy's own.
    expect(await namespaceDigest(mixed)).not.toBe(await namespaceDigest(same));
  });
});
