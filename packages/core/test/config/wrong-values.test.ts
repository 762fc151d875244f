import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  fetchHttpClient,
  introspectionResolver,
  issuerJwks,
  issuerRouter,
  jwtResolver,
  memoryReplayStore,
  memoryTokenCacheStore,
  pushDeliveryHandler,
  remoteJwks,
  revocationList,
  rotatingDpopNonces,
  securityEventPoller,
  securityEventReceiver,
  sharedSecret,
  sharedSecrets,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { pemSecretStore, undiciHttpClient } from '../../src/node/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

// Wrong values (not misspelled names, see factory-mistakes.test.ts) given to each public factory: every
// one must be refused when the factory is called, naming the option, never turned into a default or
// left to fail at the first request.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

const JWKS_URL = 'https://as.example.com/jwks';
const SECRET = '0123456789abcdef0123456789abcdef';
const INTROSPECTION = {
  endpoint: 'https://as.example.com/introspect',
  clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
  audience: AUDIENCE,
} as const;
/** A timer cannot wait longer than 2^31 - 1 ms: a longer timeout would fail at the first request. */
const BEYOND_TIMERS = 2 ** 31;

const MISSPELLED = new Set(['securityEventReceiver.audiences', 'securityEventPoller.intervall']);

const jwt = (options: object) => () =>
  jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), ...options } as never);
const introspection = (options: object) => () =>
  introspectionResolver({ ...INTROSPECTION, ...options } as never);
const server = (options: object) => () => createResourceServer({ resolver, ...options } as never);
const receiverOptions = () => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: staticJwks(jwksOf(key)),
  replayStore: memoryReplayStore(),
  revocations: revocationList(),
});
const receiver = (options: object) => () =>
  securityEventReceiver({ ...receiverOptions(), ...options } as never);
const poller = (options: object) => () =>
  securityEventPoller({
    endpoint: 'https://as.example.com/poll',
    receiver: securityEventReceiver(receiverOptions()),
    ...options,
  } as never);

describe('every public factory refuses a wrong value when it is called', () => {
  it.each<[string, () => unknown, string]>([
    // jwtResolver
    [
      'no issuer',
      () => jwtResolver({ audience: AUDIENCE, keys: staticJwks(jwksOf(key)) } as never),
      'jwtResolver.issuer',
    ],
    ['an empty issuer list', jwt({ issuer: [] }), 'jwtResolver.issuer'],
    ['an issuer that is a number', jwt({ issuer: 42 }), 'jwtResolver.issuer'],
    ['an issuer with a line break pasted in', jwt({ issuer: `${ISSUER}\n` }), 'jwtResolver.issuer'],
    [
      'a plain-http issuer off loopback, keys to be discovered',
      () => jwtResolver({ issuer: 'http://as.example.com', audience: AUDIENCE }),
      'jwtResolver.issuer',
    ],
    [
      'an issuer with a query, keys to be discovered',
      () => jwtResolver({ issuer: 'https://as.example.com/?tenant=a', audience: AUDIENCE }),
      'jwtResolver.issuer',
    ],
    // With static keys nothing is discovered, but the issuer is still compared exactly with `iss`.
    ...[
      'https://as.example.com/\nrealms/x',
      'https://as.example.com/ realms',
      'https://as.example.com\u200b',
      'https://AS.example.com',
      'https://user:pw@as.example.com',
      '#frag',
      '?x=1',
      'javascript:alert(1)',
      'URN:example:issuer',
      'my\u0000issuer',
      'my issuer',
      'my-issuér',
    ].map((issuer): [string, () => unknown, string] => [
      `an issuer ${JSON.stringify(issuer)} beside static keys`,
      jwt({ issuer }),
      'jwtResolver.issuer',
    ]),
    [
      'an issuer list with one spoilt entry beside static keys',
      jwt({ issuer: [ISSUER, 'https://as.example.com/ realms'] }),
      'jwtResolver.issuer',
    ],
    ['an audience with a leading space', jwt({ audience: ` ${AUDIENCE}` }), 'jwtResolver.audience'],
    ['an audience with a line break inside', jwt({ audience: 'api\nv2' }), 'jwtResolver.audience'],
    ['an audience with a NUL inside', jwt({ audience: ['api', 'a\0b'] }), 'jwtResolver.audience'],
    [
      'a required claim with a leading space',
      jwt({ requiredClaims: [' sub'] }),
      'jwtResolver.requiredClaims[0]',
    ],
    [
      'a required claim with a control character',
      jwt({ requiredClaims: ['sub', 'ten\u0007ant'] }),
      'jwtResolver.requiredClaims[1]',
    ],
    ['an empty audience list', jwt({ audience: [] }), 'jwtResolver.audience'],
    ['an empty audience', jwt({ audience: '' }), 'jwtResolver.audience'],
    ['algorithm none', jwt({ algorithms: ['none'] }), 'jwtResolver.algorithms'],
    ['an empty algorithm list', jwt({ algorithms: [] }), 'jwtResolver.algorithms'],
    ['an unknown algorithm', jwt({ algorithms: ['XX256'] }), 'jwtResolver.algorithms'],
    ['HS256 beside public keys only', jwt({ algorithms: ['HS256', 'ES256'] }), 'jwtResolver.algorithms'],
    ['a negative skew', jwt({ skewAllowance: -1 }), 'jwtResolver.skewAllowance'],
    ['a NaN skew', jwt({ skewAllowance: Number.NaN }), 'jwtResolver.skewAllowance'],
    ['an infinite skew', jwt({ skewAllowance: Number.POSITIVE_INFINITY }), 'jwtResolver.skewAllowance'],
    ['a skew of a day', jwt({ skewAllowance: 86_400 }), 'jwtResolver.skewAllowance'],
    ['a skew in milliseconds', jwt({ skewAllowance: 30_000 }), 'jwtResolver.skewAllowance'],
    ['a skew as a string', jwt({ skewAllowance: '30' }), 'jwtResolver.skewAllowance'],
    [
      'HS512 beside a 32-byte secret, too short for it',
      () =>
        jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: sharedSecret(SECRET),
          algorithms: ['HS512'],
        }),
      'jwtResolver.algorithms',
    ],
    ['RS256 beside EC keys only', jwt({ algorithms: ['ES256', 'RS256'] }), 'jwtResolver.algorithms'],
    ['a token length of 0', jwt({ maxTokenLength: 0 }), 'jwtResolver.maxTokenLength'],
    ['an unbounded token length', jwt({ maxTokenLength: 1e12 }), 'jwtResolver.maxTokenLength'],
    ['an empty required claim', jwt({ requiredClaims: [''] }), 'jwtResolver.requiredClaims[0]'],
    ['an empty key list', jwt({ keys: [] }), 'jwtResolver.keys'],
    [
      'a cache of -1 entries',
      jwt({ verifiedTokenCache: { maxEntries: -1 } }),
      'jwtResolver.verifiedTokenCache.maxEntries',
    ],
    ['options that are not an object', () => jwtResolver(null as never), 'jwtResolver'],
    // key sources
    ['an empty static JWK set', () => staticJwks({ keys: [] }), 'staticJwks'],
    ['a JWK set that is a string', () => staticJwks('keys' as never), 'staticJwks'],
    ['a JWK set URL over http', () => remoteJwks({ url: 'http://as.example.com/jwks' }), 'remoteJwks.url'],
    ['a JWK set URL that is not a URL', () => remoteJwks({ url: 'as.example.com/jwks' }), 'remoteJwks.url'],
    [
      'a JWK set URL with credentials',
      () => remoteJwks({ url: 'https://u:p@as.example.com/jwks' }),
      'remoteJwks.url',
    ],
    ['a JWK set timeout of -1', () => remoteJwks({ url: JWKS_URL, timeout: -1 }), 'remoteJwks.timeout'],
    ['a NaN JWK set timeout', () => remoteJwks({ url: JWKS_URL, timeout: Number.NaN }), 'remoteJwks.timeout'],
    [
      'a JWK set timeout beyond timers',
      () => remoteJwks({ url: JWKS_URL, timeout: BEYOND_TIMERS }),
      'remoteJwks.timeout',
    ],
    [
      'a retry delay beyond timers',
      () => remoteJwks({ url: JWKS_URL, maxRetryDelay: BEYOND_TIMERS }),
      'remoteJwks.maxRetryDelay',
    ],
    [
      'a negative JWK set cache age',
      () => remoteJwks({ url: JWKS_URL, cacheMaxAge: -1 }),
      'remoteJwks.cacheMaxAge',
    ],
    [
      'a JWK set never refreshed (cacheMaxAge beyond a day)',
      () => remoteJwks({ url: JWKS_URL, cacheMaxAge: 1e300 }),
      'remoteJwks.cacheMaxAge',
    ],
    [
      'a JWK set never fetched again (minFetchInterval beyond an hour)',
      () => remoteJwks({ url: JWKS_URL, minFetchInterval: 1e300 }),
      'remoteJwks.minFetchInterval',
    ],
    [
      'an unbounded introspection answer',
      introspection({ maxResponseBytes: 1e12 }),
      'introspectionResolver.maxResponseBytes',
    ],
    [
      'a fractional introspection answer size',
      introspection({ maxResponseBytes: 0.5 }),
      'introspectionResolver.maxResponseBytes',
    ],
    [
      'a token cache key prefix with a line break',
      () => tokenCache(resolver, { keyPrefix: 'rs:\ntoken:' }),
      'tokenCache.keyPrefix',
    ],
    [
      'an issuer over http to discover keys from',
      () => issuerJwks({ issuer: 'http://as.example.com' }),
      'issuerJwks.issuer',
    ],
    [
      'an issuer with a query to discover keys from',
      () => issuerJwks({ issuer: `${ISSUER}?tenant=a` }),
      'issuerJwks.issuer',
    ],
    [
      'an issuer with a zero-width space the URL parser would drop',
      () => issuerJwks({ issuer: `${ISSUER}\u200b` }),
      'issuerJwks.issuer',
    ],
    [
      'a discovery timeout beyond timers',
      () => issuerJwks({ issuer: ISSUER, timeout: BEYOND_TIMERS }),
      'issuerJwks.timeout',
    ],
    // shared secrets
    ['a shared secret of 31 bytes', () => sharedSecret(SECRET.slice(1)), 'sharedSecret'],
    [
      'an oct key of 16 bytes in a static JWK set',
      () => staticJwks({ keys: [{ kty: 'oct', k: Buffer.alloc(16, 7).toString('base64url') }] }),
      'staticJwks',
    ],
    ['an empty shared secret', () => sharedSecret(''), 'sharedSecret'],
    ['a shared secret that is a number', () => sharedSecret(42 as never), 'sharedSecret'],
    ['a shared-secret store naming no secret', () => sharedSecrets({}), 'sharedSecrets'],
    ['an empty value in a shared-secret store', () => sharedSecrets({ signing: '' }), 'sharedSecrets'],
    ['a PEM store naming no secret', () => pemSecretStore({ secrets: {} }), 'pemSecretStore.secrets'],
    // introspection
    [
      'an introspection endpoint over http',
      introspection({ endpoint: 'http://as.example.com/introspect' }),
      'introspectionResolver.endpoint',
    ],
    [
      'an introspection issuer over http',
      introspection({ issuer: 'http://as.example.com', endpoint: undefined }),
      'introspectionResolver.issuer',
    ],
    [
      'an introspection issuer with a zero-width space',
      introspection({ issuer: `${ISSUER}\u200b`, endpoint: undefined }),
      'introspectionResolver.issuer',
    ],
    [
      'no introspection client authentication',
      introspection({ clientAuthentication: undefined }),
      'introspectionResolver.clientAuthentication',
    ],
    [
      'an empty client secret',
      introspection({
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: '' },
      }),
      'introspectionResolver.clientAuthentication.clientSecret',
    ],
    [
      'an unknown client authentication method',
      introspection({ clientAuthentication: { method: 'client_secret', clientId: 'rs', clientSecret: 's' } }),
      'introspectionResolver.clientAuthentication.method',
    ],
    [
      'an empty introspection audience list',
      introspection({ audience: [] }),
      'introspectionResolver.audience',
    ],
    ['an introspection timeout of 0', introspection({ timeout: 0 }), 'introspectionResolver.timeout'],
    [
      'an infinite introspection timeout',
      introspection({ timeout: Number.POSITIVE_INFINITY }),
      'introspectionResolver.timeout',
    ],
    [
      'an introspection timeout beyond timers',
      introspection({ timeout: BEYOND_TIMERS }),
      'introspectionResolver.timeout',
    ],
    [
      'an introspection skew of an hour',
      introspection({ skewAllowance: 3_600 }),
      'introspectionResolver.skewAllowance',
    ],
    ['six introspection retries', introspection({ retries: 6 }), 'introspectionResolver.retries'],
    // caches and stores
    ['a token cache of nothing', () => tokenCache(undefined as never), 'tokenCache.resolver'],
    ['a negative cache ttl', () => tokenCache(resolver, { ttl: -1 }), 'tokenCache.ttl'],
    [
      'an infinite cache ttl',
      () => tokenCache(resolver, { ttl: Number.POSITIVE_INFINITY }),
      'tokenCache.ttl',
    ],
    ['a NaN negative ttl', () => tokenCache(resolver, { negativeTtl: Number.NaN }), 'tokenCache.negativeTtl'],
    [
      'maxEntries beside a store it cannot size',
      () => tokenCache(resolver, { store: memoryTokenCacheStore(), maxEntries: 10 }),
      'tokenCache.maxEntries',
    ],
    ['a memory token store of 0 entries', () => memoryTokenCacheStore(0), 'memoryTokenCacheStore.maxEntries'],
    [
      'a replay store of 0 entries',
      () => memoryReplayStore({ maxEntries: 0 }),
      'memoryReplayStore.maxEntries',
    ],
    ['a nonce lifetime of -1', () => rotatingDpopNonces({ lifetime: -1 }), 'rotatingDpopNonces.lifetime'],
    [
      'a revocation list of 1.5 markers',
      () => revocationList({ maxMarkers: 1.5 }),
      'revocationList.maxMarkers',
    ],
    ['a NaN marker lifetime', () => revocationList({ markerTtl: Number.NaN }), 'revocationList.markerTtl'],
    // the resource server (and so every adapter)
    ['no resolver', () => createResourceServer({} as never), 'resolver'],
    ['a resolver without resolve', server({ resolver: {} }), 'resolver'],
    ['a DPoP window of 0', server({ dpop: { iatWindow: 0 } }), 'dpop.iatWindow'],
    ['a DPoP window of a year', server({ dpop: { iatWindow: 31_536_000 } }), 'dpop.iatWindow'],
    ['DPoP algorithm none', server({ dpop: { algorithms: ['none'] } }), 'dpop.algorithms'],
    ['DPoP with HS256', server({ dpop: { algorithms: ['HS256'] } }), 'dpop.algorithms'],
    ['no DPoP algorithm', server({ dpop: { algorithms: [] } }), 'dpop.algorithms'],
    ['a realm with a quote', server({ realm: 'a"b' }), 'realm'],
    ['an unknown sender constraint', server({ requireSenderConstrained: 'tls' }), 'requireSenderConstrained'],
    [
      'a certificate header name with a space',
      server({ certificateHeader: { name: 'x cert' } }),
      'certificateHeader.name',
    ],
    [
      'a trusted proxy that is not an address',
      server({ certificateHeader: { name: 'x-cert', trustedProxies: ['proxy'] } }),
      'certificateHeader.trustedProxies',
    ],
    [
      'no trusted proxy',
      server({ certificateHeader: { name: 'x-cert', trustedProxies: [] } }),
      'certificateHeader.trustedProxies',
    ],
    [
      'an authorization server over http',
      server({ protectedResource: { resource: AUDIENCE, authorizationServers: ['http://as.example.com'] } }),
      'protectedResource.authorizationServers',
    ],
    [
      'an empty authorization server list',
      server({ protectedResource: { resource: AUDIENCE, authorizationServers: [] } }),
      'protectedResource.authorizationServers',
    ],
    ['an empty any-of scope list', server({ policy: { scopes: { anyOf: [] } } }), 'policy.scopes'],
    // routing
    ['an issuer router with no issuer', () => issuerRouter({ issuers: {} }), 'issuerRouter.issuers'],
    [
      'an issuer router issuer with a trailing space',
      () => issuerRouter({ issuers: { [`${ISSUER} `]: resolver } }),
      `issuerRouter.issuers["${ISSUER} "]`,
    ],
    // Security Event Tokens
    [
      'a receiver without revocations',
      receiver({ revocations: undefined }),
      'securityEventReceiver.revocations',
    ],
    ...[' ', 'a\nb', 'a\u0000b', `${ISSUER}\u200b`, 'https://AS.example.com', '#frag']
      .flatMap((identifier): [string, () => unknown, string][] => [
        [
          `a receiver issuer ${JSON.stringify(identifier)}`,
          receiver({ issuer: identifier }),
          'securityEventReceiver.issuer',
        ],
        [
          `a receiver audience ${JSON.stringify(identifier)}`,
          receiver({ audience: [AUDIENCE, identifier] }),
          'securityEventReceiver.audience',
        ],
      ])
      .filter(([mistake]) => !/audience "(https:\/\/AS|#frag)/.test(mistake)),
    ['a receiver with audiences', receiver({ audiences: AUDIENCE }), 'securityEventReceiver.audiences'],
    ['a receiver skew in seconds of a day', receiver({ skew: 86_400_000 }), 'securityEventReceiver.skew'],
    ['a receiver with a NaN maximum age', receiver({ maxAge: Number.NaN }), 'securityEventReceiver.maxAge'],
    [
      'a receiver handler that is not a function',
      receiver({ handlers: { 'urn:x': 'revoke' } }),
      'securityEventReceiver.handlers["urn:x"]',
    ],
    [
      'a receiver with HS256 and public keys',
      receiver({ algorithms: ['HS256'] }),
      'securityEventReceiver.algorithms',
    ],
    ['a receiver with no keys', receiver({ keys: undefined }), 'securityEventReceiver.keys'],
    [
      'a receiver with RS256 beside EC keys only',
      receiver({ algorithms: ['RS256'] }),
      'securityEventReceiver.algorithms',
    ],
    [
      'a poll endpoint over http',
      poller({ endpoint: 'http://as.example.com/poll' }),
      'securityEventPoller.endpoint',
    ],
    ['a poller with a misspelled interval', poller({ intervall: 1_000 }), 'securityEventPoller.intervall'],
    ['a poll interval of 0', poller({ interval: 0 }), 'securityEventPoller.interval'],
    ['a poll timeout beyond timers', poller({ timeout: BEYOND_TIMERS }), 'securityEventPoller.timeout'],
    ['a poller asking 0 events', poller({ maxEvents: 0 }), 'securityEventPoller.maxEvents'],
    [
      'a poll header value with a line break',
      poller({ headers: { authorization: 'Bearer poll-secret\r\nx-injected: 1' } }),
      'securityEventPoller.headers["authorization"]',
    ],
    ['a poll header name with a space', poller({ headers: { 'x bad': 'a' } }), 'securityEventPoller.headers'],
    [
      'a poll header value of a number',
      poller({ headers: { 'x-n': 1 } }),
      'securityEventPoller.headers["x-n"]',
    ],
    ['push delivery to no receiver', () => pushDeliveryHandler({} as never), 'pushDeliveryHandler.receiver'],
    // HTTP clients
    ['a fetch client on no fetch', () => fetchHttpClient({} as never), 'fetchHttpClient.fetch'],
    [
      'an undici pool of -1 connections',
      () => undiciHttpClient({ connections: -1 }),
      'undiciHttpClient.connections',
    ],
    [
      'an undici keep-alive beyond timers',
      () => undiciHttpClient({ keepAliveTimeout: BEYOND_TIMERS }),
      'undiciHttpClient.keepAliveTimeout',
    ],
  ])('%s', (_mistake, build, option) => {
    const error = expectConfigError(build, option);
    // A wrong value, not an option the factory does not know (but for the two misspellings above).
    if (!MISSPELLED.has(option)) expect(error.message).not.toContain('unknown option');
  });
});

describe('the bounds let every sensible value through', () => {
  it('skews up to 5 minutes, timeouts up to the longest timer, the default token length and more', () => {
    expect(jwt({ skewAllowance: 300, maxTokenLength: 64 * 1024 })).not.toThrow();
    expect(introspection({ skewAllowance: 0, timeout: 2 ** 31 - 1 })).not.toThrow();
    expect(server({ dpop: { iatWindow: 300 } })).not.toThrow();
    expect(() => remoteJwks({ url: JWKS_URL, timeout: 60_000, maxRetryDelay: 600_000 })).not.toThrow();
    expect(() =>
      remoteJwks({ url: JWKS_URL, cacheMaxAge: 86_400_000, minFetchInterval: 3_600_000 }),
    ).not.toThrow();
    expect(receiver({ skew: 300_000, handlers: { 'urn:example:event': () => {} } })).not.toThrow();
    expect(poller({ interval: 1, timeout: 35_000, headers: { authorization: 'Bearer x' } })).not.toThrow();
    expect(() => tokenCache(resolver, { ttl: 600_000, maxTtl: 600_000, maxEntries: 10 })).not.toThrow();
    expect(() => sharedSecrets({ signing: SECRET })).not.toThrow();
    const secret64 = SECRET.repeat(2);
    expect(() =>
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: sharedSecret(secret64),
        algorithms: ['HS512'],
      }),
    ).not.toThrow();
    // RFC 7519 `iss` is a StringOrURI: a name without URI delimiters, or a URN, stays a valid issuer beside static keys,
    // and so does plain http, since nothing is fetched from it.
    for (const issuer of [
      'my-issuer',
      'urn:example:issuer',
      'http://as.example.com',
      'https://as.example.com/realms/A/',
      ISSUER,
    ]) {
      expect(jwt({ issuer })).not.toThrow();
      expect(receiver({ issuer })).not.toThrow();
    }
    expect(receiver({ audience: ['my-receiver', 'https://API.example.com/?v=1'] })).not.toThrow();
    expect(jwt({ algorithms: ['ES256'] })).not.toThrow();
    expect(() =>
      createResourceServer({
        // The resolver accepts both: a published authorization server it refuses is a mistake of its own.
        resolver: jwtResolver({
          issuer: [ISSUER, 'http://127.0.0.1:9000'],
          audience: AUDIENCE,
          keys: staticJwks(jwksOf(key)),
        }),
        protectedResource: { resource: AUDIENCE, authorizationServers: [ISSUER, 'http://127.0.0.1:9000'] },
      }),
    ).not.toThrow();
    expect(() => fetchHttpClient(globalThis.fetch)).not.toThrow();
  });
});
