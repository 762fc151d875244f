import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  type JwtResolverOptions,
  jwtResolver,
  memoryTokenCacheStore,
  remoteJwks,
  sharedSecret,
  staticJwks,
  tokenCache,
  type VerificationKeySource,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  namespaceDigest,
  resolveAt,
} from '../helpers.js';

const API_A = 'https://orders.example.com';
const API_B = 'https://payments.example.com';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

function jwt(options: Partial<JwtResolverOptions> = {}): AccessTokenResolver {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), ...options });
}

/** Counts the calls that reach a resolver, answering as it (under its namespace). */
function counting(inner: AccessTokenResolver) {
  const counter = { calls: 0 };
  const resolver: AccessTokenResolver = {
    cacheNamespace: inner.cacheNamespace,
    resolve: (token, context) => {
      counter.calls++;
      return inner.resolve(token, context);
    },
  };
  return { resolver, counter };
}

describe('two APIs sharing one token-cache store', () => {
  it("API B never accepts a token cached for API A's audience (one memory store, default prefix)", async () => {
    const store = memoryTokenCacheStore();
    const a = counting(jwt({ audience: API_A }));
    const b = counting(jwt({ audience: API_B }));
    const cacheA = tokenCache(a.resolver, { store });
    const cacheB = tokenCache(b.resolver, { store });
    const forA = await mint(key, { aud: API_A });

    expectSuccess(await resolveAt(cacheA, forA));
    expectFailure(await resolveAt(cacheB, forA), 'audience_mismatch');
    expect(b.counter.calls).toBe(1);
    // B's refusal, cached as a negative answer, is not served to A either.
    expectSuccess(await resolveAt(cacheA, forA));
    expect(a.counter.calls).toBe(1);
    expectFailure(await resolveAt(cacheB, forA), 'audience_mismatch');
    expect(b.counter.calls).toBe(1);
  });

  it('instances built from the same configuration share answers, as in one Redis across processes', async () => {
    const store = memoryTokenCacheStore();
    const first = counting(jwt({ audience: API_A }));
    const second = counting(jwt({ audience: API_A }));
    expect(first.resolver.cacheNamespace).not.toBe(second.resolver.cacheNamespace);
    expect(await namespaceDigest(first.resolver)).toBe(await namespaceDigest(second.resolver));
    const token = await mint(key, { aud: API_A });
    expectSuccess(await resolveAt(tokenCache(first.resolver, { store }), token));
    expectSuccess(await resolveAt(tokenCache(second.resolver, { store }), token));
    expect(first.counter.calls + second.counter.calls).toBe(1);
  });
});

describe('cacheNamespace: every setting that changes an answer changes it', () => {
  it('for jwtResolver: issuer, audience, algorithms, skew, profile, claims, token length, keys', async () => {
    const other = await generateSigningKey('ES256', 'k1');
    const variants = [
      jwt(),
      jwt({ issuer: 'https://other-as.example.com' }),
      jwt({ audience: API_B }),
      jwt({ audience: [AUDIENCE, API_B] }),
      jwt({ algorithms: ['ES256'] }),
      jwt({ skewAllowance: 30 }),
      jwt({ profile: 'rfc9068' }),
      jwt({ requiredClaims: ['tenant'] }),
      jwt({ maxTokenLength: 4_096 }),
      jwt({ keys: staticJwks(jwksOf(other)) }),
      jwt({ keys: remoteJwks({ url: 'https://as.example.com/jwks' }) }),
      jwt({ keys: remoteJwks({ url: 'https://as.example.com/other-jwks' }) }),
      jwt({ keys: sharedSecret('abcdefghijklmnopqrstuvwxyz012345') }),
      jwt({ keys: sharedSecret('ABCDEFGHIJKLMNOPQRSTUVWXYZ987654') }),
    ];
    const namespaces = await Promise.all(variants.map(namespaceDigest));
    for (const namespace of namespaces) expect(namespace).toMatch(/^jwt-[A-Za-z0-9_-]{43}$/);
    expect(new Set(namespaces).size).toBe(variants.length);
  });

  it('never shows a secret: a shared secret enters only the digest', async () => {
    const secret = 's3cr3t-for-the-digest-test-only-42';
    const source = sharedSecret(secret);
    const resolver = jwt({ keys: source });
    for (const subject of [source, resolver, tokenCache(resolver)]) {
      const shown = [
        await namespaceDigest(subject),
        JSON.stringify(subject),
        inspect(subject, { depth: 10, showHidden: true }),
        String(subject.cacheNamespace),
      ];
      for (const text of shown) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(base64url.encode(secret));
      }
    }
  });

  it('for introspection: endpoint, audience and the client the server answers', async () => {
    const introspection = (overrides: Record<string, unknown> = {}) =>
      namespaceDigest(
        introspectionResolver({
          endpoint: 'https://as.example.com/introspect',
          clientAuthentication: { method: 'client_secret_basic', clientId: 'orders', clientSecret: 'one' },
          audience: API_A,
          ...overrides,
        }),
      );
    const base = await introspection();
    expect(base).toMatch(/^introspection-/);
    // The secret is how the client proves itself, not who it is: the same answers.
    expect(
      await introspection({
        clientAuthentication: { method: 'client_secret_basic', clientId: 'orders', clientSecret: 'two' },
      }),
    ).toBe(base);
    expect(
      await introspection({
        clientAuthentication: { method: 'client_secret_basic', clientId: 'payments', clientSecret: 'one' },
      }),
    ).not.toBe(base);
    expect(await introspection({ audience: API_B })).not.toBe(base);
    expect(await introspection({ endpoint: 'https://as2.example.com/introspect' })).not.toBe(base);
  });

  it('for RFC 9701 answers: the keys that verify them, not those that decrypt them (CryptoKeys too)', async () => {
    const encryption = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['decrypt', 'unwrapKey'],
    );
    const other = await generateSigningKey('ES256', 'k2');
    const signedAnswers = (options: { keys?: TestSigningKey; decryptionKeys?: CryptoKey[] } = {}) =>
      introspectionResolver({
        issuer: ISSUER,
        endpoint: 'https://as.example.com/introspect',
        clientAuthentication: { method: 'client_secret_basic', clientId: 'orders', clientSecret: 'one' },
        audience: API_A,
        jwtResponse: {
          keys: staticJwks(jwksOf(options.keys ?? key)),
          audience: 'orders',
          ...(options.decryptionKeys === undefined ? {} : { decryptionKeys: options.decryptionKeys }),
        },
      });
    // A private CryptoKey has no description: it must not cost the resolver its namespace, which a
    // shared store (Redis) requires.
    const encrypted = signedAnswers({ decryptionKeys: [encryption.privateKey] });
    expect(() => tokenCache(encrypted, { store: memoryTokenCacheStore() })).not.toThrow();
    const base = await namespaceDigest(signedAnswers());
    expect(await namespaceDigest(encrypted)).toBe(base);
    expect(await namespaceDigest(signedAnswers({ keys: other }))).not.toBe(base);
  });

  it('for routers and hybrids: composed from their children', async () => {
    const route = (resolver: AccessTokenResolver) =>
      namespaceDigest(issuerRouter({ issuers: { [ISSUER]: resolver } }));
    expect(await route(jwt())).toBe(await route(jwt()));
    expect(await route(jwt())).not.toBe(await route(jwt({ audience: API_B })));
    const opaque = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: 'https://as.example.com/introspect',
      clientAuthentication: { method: 'client_secret_basic', clientId: 'orders', clientSecret: 'one' },
    });
    const hybrid = (resolver: AccessTokenResolver) =>
      namespaceDigest(hybridResolver({ jwt: resolver, opaque }));
    expect(await hybrid(jwt())).not.toBe(await hybrid(jwt({ audience: API_B })));
    expect(await namespaceDigest(tokenCache(jwt()))).toBe(await namespaceDigest(jwt()));
  });
});

describe('cacheNamespace digest: SHA-256 (WebCrypto) of the canonical description', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

  it('equals node:crypto SHA-256 of "<kind>\\n<canonical JSON>"', async () => {
    const url = 'https://as.example.com/jwks';
    expect(await namespaceDigest(remoteJwks({ url }))).toBe(
      `remoteJwks-${sha256(`remoteJwks\n${JSON.stringify({ url })}`)}`,
    );
    const secret = 'é-secret-'.repeat(4);
    const bytes = base64url.encode(new TextEncoder().encode(secret));
    expect(await namespaceDigest(sharedSecret(secret, { kid: 'k1' }))).toBe(
      `sharedSecret-${sha256(`sharedSecret\n{"kid":"k1","secret":{"bytes":"${bytes}"}}`)}`,
    );
  });

  it('nests a child’s whole description, not its digest', async () => {
    const secret = 'abcdefghijklmnopqrstuvwxyz012345';
    const child: AccessTokenResolver = {
      cacheNamespace: sharedSecret(secret).cacheNamespace,
      resolve: async () => ({ ok: false, failure: { code: 'token_inactive', description: 'x' } }),
    };
    const named: AccessTokenResolver = { ...child, cacheNamespace: 'orders-v1' };
    const childCanonical = `{"secret":{"bytes":"${base64url.encode(secret)}"}}`;
    const canonical = JSON.stringify({
      issuers: {
        // Members sorted: https://as… before https://orders….
        [ISSUER]: { namespace: 'orders-v1' },
        [API_A]: { namespace: { kind: 'sharedSecret', canonical: childCanonical } },
      },
    });
    const router = issuerRouter({ issuers: { [ISSUER]: named, [API_A]: child } });
    expect(await namespaceDigest(router)).toBe(`issuerRouter-${sha256(`issuerRouter\n${canonical}`)}`);
  });

  it('is computed once per namespace, concurrent callers sharing it', async () => {
    const namespace = jwt().cacheNamespace;
    if (typeof namespace !== 'object') throw new Error('a resolver of @rs has a CacheNamespace');
    const [first, second] = [namespace.digest(), namespace.digest()];
    expect(first).toBe(second);
    expect(await first).toMatch(/^jwt-[A-Za-z0-9_-]{43}$/);
  });
});

describe('a resolver that cannot say what it accepts', () => {
  const custom: AccessTokenResolver = {
    resolve: async () => ({ ok: false, failure: { code: 'token_inactive', description: 'x' } }),
  };

  it('is refused at start-up over a store given explicitly (which may be shared)', () => {
    const error = expectConfigError(
      () => tokenCache(custom, { store: memoryTokenCacheStore() }),
      'tokenCache.resolver.cacheNamespace',
    );
    expect(error.message).toContain('give your resolver, or its custom key source, a stable cacheNamespace');
  });

  it('may use the cache’s own in-process store', () => {
    expect(tokenCache(custom).cacheNamespace).toBeUndefined();
  });

  it('a custom key source without one leaves the jwtResolver without one', async () => {
    const keys: VerificationKeySource = staticJwks(jwksOf(key));
    const unnamed: VerificationKeySource = {
      symmetric: false,
      keysFor: (selector, now) => keys.keysFor(selector, now),
    };
    expect(jwt({ keys: unnamed }).cacheNamespace).toBeUndefined();
    expectConfigError(
      () => tokenCache(jwt({ keys: unnamed }), { store: memoryTokenCacheStore() }),
      'tokenCache.resolver.cacheNamespace',
    );
    const named: VerificationKeySource = { ...unnamed, cacheNamespace: 'vault-signing-keys-v1' };
    expect(await namespaceDigest(jwt({ keys: named }))).toMatch(/^jwt-[A-Za-z0-9_-]{43}$/);
  });
});
