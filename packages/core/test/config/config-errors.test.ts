import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  createResourceServer,
  type JwtResolverOptions,
  jwtResolver,
  type ResourceServerOptions,
  remoteJwks,
  sharedSecret,
  staticJwks,
  type VerificationKeySource,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

let key: TestSigningKey;
let keys: VerificationKeySource;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  keys = staticJwks(jwksOf(key));
});

const jwt = (options: Partial<JwtResolverOptions>) => () =>
  jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, ...options } as JwtResolverOptions);
const rs = (options: Partial<ResourceServerOptions>) => () =>
  createResourceServer({
    resolver: jwtResolver({ acceptAnyAudience: true, issuer: ISSUER, keys }),
    ...options,
  });

describe('jwtResolver options', () => {
  it('issuer is required and must be non-empty strings', () => {
    expectConfigError(
      () => jwtResolver({ acceptAnyAudience: true, keys } as unknown as JwtResolverOptions),
      'jwtResolver.issuer',
    );
    expectConfigError(jwt({ issuer: '' }), 'jwtResolver.issuer');
    expectConfigError(jwt({ issuer: [] }), 'jwtResolver.issuer');
    expectConfigError(jwt({ issuer: [ISSUER, ''] }), 'jwtResolver.issuer');
    expectConfigError(jwt({ issuer: 42 as unknown as string }), 'jwtResolver.issuer');
  });

  it('audience, when given, must be non-empty strings', () => {
    expectConfigError(jwt({ audience: [] }), 'jwtResolver.audience');
    expectConfigError(jwt({ audience: '' }), 'jwtResolver.audience');
    expectConfigError(jwt({ audience: ['api', 7 as unknown as string] }), 'jwtResolver.audience');
  });

  it('keys are required', () => {
    expectConfigError(jwt({ keys: [] }), 'jwtResolver.keys');
    // Without keys, one issuer's keys are discovered; several issuers need keys.
    expectConfigError(jwt({ keys: undefined, issuer: [ISSUER, `${ISSUER}/other`] }), 'jwtResolver.keys');
    expectConfigError(jwt({ keys: [keys, {} as VerificationKeySource] }), 'jwtResolver.keys[1]');
    expectConfigError(jwt({ keys: { keys: [] } as unknown as VerificationKeySource }), 'jwtResolver.keys');
  });

  it('algorithms must be supported, never none, and HMAC only with a shared secret', () => {
    expectConfigError(jwt({ algorithms: ['XS256'] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: ['rs256'] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: [] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: ['none'] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: ['ES256', 'None'] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: [42 as unknown as string] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: ['HS256'] }), 'jwtResolver.algorithms');
    expectConfigError(jwt({ algorithms: ['ES256', 'HS512'] }), 'jwtResolver.algorithms');
    // With a shared secret it is fine.
    expect(() =>
      jwt({ keys: sharedSecret('0123456789abcdef0123456789abcdef'), algorithms: ['HS256'] })(),
    ).not.toThrow();
  });

  it('skewAllowance must be a non-negative number', () => {
    expectConfigError(jwt({ skewAllowance: -1 }), 'jwtResolver.skewAllowance');
    expectConfigError(jwt({ skewAllowance: Number.NaN }), 'jwtResolver.skewAllowance');
    expectConfigError(jwt({ skewAllowance: Number.POSITIVE_INFINITY }), 'jwtResolver.skewAllowance');
    expect(() => jwt({ skewAllowance: 0 })()).not.toThrow();
  });

  it('profile and maxTokenLength are checked', () => {
    expectConfigError(jwt({ profile: 'rfc7519' as 'rfc9068' }), 'jwtResolver.profile');
    expectConfigError(jwt({ maxTokenLength: 0 }), 'jwtResolver.maxTokenLength');
    expectConfigError(jwt({ maxTokenLength: 10.5 }), 'jwtResolver.maxTokenLength');
  });
});

describe('key source options', () => {
  it('remoteJwks needs an https URL, or http on loopback', () => {
    for (const url of [
      'http://as.example.com/jwks',
      'http://10.0.0.1/jwks',
      'http://127.0.0.1.nip.io/jwks',
      'http://localhost.example.com/jwks',
      'ftp://as.example.com/jwks',
      'file:///etc/jwks.json',
      'not a url',
      '/relative/jwks',
      'https://user:pass@as.example.com/jwks',
      'https://as.example.com/jwks#fragment',
    ]) {
      expectConfigError(() => remoteJwks({ url }), 'remoteJwks.url');
    }
    expectConfigError(() => remoteJwks({ url: 42 as unknown as string }), 'remoteJwks.url');
    for (const url of [
      'https://as.example.com/jwks',
      'http://127.0.0.1:8080/jwks',
      'http://localhost/jwks',
      'http://[::1]/jwks',
    ]) {
      expect(() => remoteJwks({ url })).not.toThrow();
    }
    expect(() => remoteJwks({ url: new URL('https://as.example.com/jwks') })).not.toThrow();
    expect(() => remoteJwks({ url: 'http://as.internal/jwks', allowInsecureHttp: true })).not.toThrow();
  });

  it('remoteJwks durations and sizes must be non-negative numbers', () => {
    const url = 'https://as.example.com/jwks';
    expectConfigError(() => remoteJwks({ url, cacheMaxAge: -1 }), 'remoteJwks.cacheMaxAge');
    expectConfigError(() => remoteJwks({ url, minFetchInterval: Number.NaN }), 'remoteJwks.minFetchInterval');
    expectConfigError(() => remoteJwks({ url, timeout: -5 }), 'remoteJwks.timeout');
    expectConfigError(
      () => remoteJwks({ url, maxResponseBytes: Number.POSITIVE_INFINITY }),
      'remoteJwks.maxResponseBytes',
    );
  });

  it('sharedSecret must be at least 32 bytes', () => {
    expectConfigError(() => sharedSecret('short'), 'sharedSecret');
    expectConfigError(() => sharedSecret('x'.repeat(31)), 'sharedSecret');
    expectConfigError(() => sharedSecret(new Uint8Array(31)), 'sharedSecret');
    // 32 bytes of UTF-8, even if fewer characters.
    expectConfigError(() => sharedSecret('éèêëàâäîïôöùûüç'), 'sharedSecret');
    expect(() => sharedSecret('éèêëàâäîïôöùûüçñ')).not.toThrow();
    expect(() => sharedSecret('abcdefghijklmnopqrstuvwxyz012345')).not.toThrow();
  });

  it('staticJwks must hold a usable key', () => {
    expectConfigError(() => staticJwks({ keys: [] }), 'staticJwks');
    expectConfigError(() => staticJwks(null as never), 'staticJwks');
  });
});

describe('createResourceServer options', () => {
  it('needs a resolver', () => {
    expectConfigError(() => createResourceServer({} as ResourceServerOptions), 'resolver');
    expectConfigError(() => createResourceServer({ resolver: {} } as ResourceServerOptions), 'resolver');
    expectConfigError(() => createResourceServer(undefined as unknown as ResourceServerOptions), 'options');
  });

  it('tokenLocations.header must be a valid header name other than Authorization', () => {
    for (const header of ['x token', '', 'x-token:', 'x\ntoken', 'tökén']) {
      expectConfigError(rs({ tokenLocations: { header } }), 'tokenLocations.header');
    }
    expectConfigError(rs({ tokenLocations: { header: 'Authorization' } }), 'tokenLocations.header');
    expect(() => rs({ tokenLocations: { header: 'X-Access-Token' } })()).not.toThrow();
  });

  it('at least one token location must be enabled', () => {
    expectConfigError(rs({ tokenLocations: { authorizationHeader: false } }), 'tokenLocations');
    expectConfigError(
      rs({ tokenLocations: { authorizationHeader: false, formBody: false, query: false } }),
      'tokenLocations',
    );
  });

  it('policy scopes must be scope tokens (RFC 6749 §3.3)', () => {
    for (const scopes of [['read write'], ['read', ''], ['say"hi"'], ['back\\slash'], ['ünïcode'], [7]]) {
      expectConfigError(rs({ policy: { scopes: scopes as string[] } }), 'policy.scopes');
    }
    expectConfigError(rs({ policy: { scopes: { allOf: ['a b'] } } }), 'policy.scopes');
    expectConfigError(rs({ policy: { scopes: { anyOf: ['a b'] } } }), 'policy.scopes');
    expectConfigError(rs({ policy: { scopes: 'read' as unknown as string[] } }), 'policy.scopes');
    expectConfigError(
      rs({ policy: { scopes: { oneOf: ['read'] } } as unknown as AccessPolicy }),
      'policy.scopes.oneOf',
    );
    expect(() =>
      rs({ policy: { scopes: ['read', 'urn:api:write', 'a!#$%&()*+,-./:;<=>?@[]^_`{|}~'] } })(),
    ).not.toThrow();
  });

  it('policy scopes may not mix allOf and anyOf (one of them would be silently ignored)', () => {
    const both = { allOf: ['admin'], anyOf: ['read', 'write'] } as unknown as { allOf: string[] };
    expectConfigError(rs({ policy: { scopes: both } }), 'policy.scopes');
    expectConfigError(() => rs({})().checkPolicy({ scopes: both }, 'route'), 'route.scopes');
  });

  it('policy must be an object with claim checks', () => {
    expectConfigError(rs({ policy: 'read' as unknown as AccessPolicy }), 'policy');
    expectConfigError(rs({ policy: { claims: 'x' } as unknown as AccessPolicy }), 'policy.claims');
    expectConfigError(
      rs({ policy: { claims: [() => true] } as unknown as AccessPolicy }),
      'policy.claims[0]',
    );
  });

  it('realm, errorUri and clock are checked', () => {
    expectConfigError(rs({ realm: 'a "quoted" realm' }), 'realm');
    expectConfigError(rs({ errorUri: 'https://x/\\' }), 'errorUri');
    // RFC 6750 §3: a URI reference, so no space either.
    for (const errorUri of ['https://x/a b', ' https://x/a', '', 'https://[x/']) {
      expectConfigError(rs({ errorUri }), 'errorUri');
    }
    expect(() => rs({ errorUri: '/docs/errors#token' })()).not.toThrow();
    expectConfigError(rs({ clock: 5 as unknown as () => number }), 'clock');
  });
});
