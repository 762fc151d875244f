import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  claimEquals,
  createResourceServer,
  envSecretStore,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  jwkSetStore,
  jwtResolver,
  memoryReplayStore,
  remoteJwks,
  rotatingDpopNonces,
  secretsProvider,
  sharedSecret,
  sharedSecrets,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import {
  directorySecretStore,
  jwkSetFileStore,
  pemSecretStore,
  pkcs12SecretStore,
  undiciHttpClient,
} from '../../src/node/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectConfigError,
  expectFailure,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

const BASIC = { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' } as const;
const INTROSPECTION = { endpoint: 'https://as.example.com/introspect', clientAuthentication: BASIC };

/** Asserts the refusal names `option` and suggests `nearest`. */
function expectMisspelled(build: () => unknown, option: string, nearest: string): void {
  const error = expectConfigError(build, option);
  expect(error.message).toContain(`unknown option; did you mean "${nearest}"?`);
}

describe('the audience is required, or waived by name', () => {
  it('refuses jwtResolver({ audiences }), the slip that used to check no audience at all', () => {
    expectMisspelled(
      () => jwtResolver({ issuer: ISSUER, audiences: AUDIENCE, keys: staticJwks(jwksOf(key)) } as never),
      'jwtResolver.audiences',
      'audience',
    );
  });

  it('refuses a JWT resolver without audience, saying why and how to waive it', () => {
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, keys: staticJwks(jwksOf(key)) }),
      'jwtResolver.audience',
    );
    expect(error.message).toContain('acceptAnyAudience: true');
    expectConfigError(
      () => jwtResolver({ issuer: ISSUER, keys: staticJwks(jwksOf(key)), acceptAnyAudience: false }),
      'jwtResolver.audience',
    );
  });

  it('refuses an introspection resolver without audience', () => {
    expectConfigError(() => introspectionResolver(INTROSPECTION), 'introspectionResolver.audience');
    expectMisspelled(
      () => introspectionResolver({ ...INTROSPECTION, audiences: [AUDIENCE] } as never),
      'introspectionResolver.audiences',
      'audience',
    );
  });

  it('refuses audience and acceptAnyAudience together: one of them would be ignored', () => {
    expectConfigError(
      () =>
        jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          acceptAnyAudience: true,
          keys: staticJwks(jwksOf(key)),
        }),
      'jwtResolver.acceptAnyAudience',
    );
    expectConfigError(
      () => introspectionResolver({ ...INTROSPECTION, audience: AUDIENCE, acceptAnyAudience: true }),
      'introspectionResolver.acceptAnyAudience',
    );
  });

  it('with audience, a real token minted for another API is refused; acceptAnyAudience is the explicit opposite', async () => {
    const forAnotherApi = await mint(key, { aud: 'https://other-api.example.com' });
    const context = { request: bearerRequest(forAnotherApi), now: NOW_MS };
    expectFailure(await resolver.resolve(forAnotherApi, context), 'audience_mismatch');
    const anyAudience = jwtResolver({
      issuer: ISSUER,
      acceptAnyAudience: true,
      keys: staticJwks(jwksOf(key)),
    });
    expect((await anyAudience.resolve(forAnotherApi, context)).ok).toBe(true);
  });
});

describe("jwtResolver's signature path and verified-token cache", () => {
  const base = () => ({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

  it('takes the documented values', () => {
    expect(() => jwtResolver({ ...base(), signatureVerifier: 'portable' })).not.toThrow();
    expect(() => jwtResolver({ ...base(), verifiedTokenCache: { maxEntries: 100 } })).not.toThrow();
  });

  it('refuses an unknown signature path and a misspelled cache option', () => {
    expectConfigError(
      () => jwtResolver({ ...base(), signatureVerifier: 'node' as never }),
      'jwtResolver.signatureVerifier',
    );
    expectMisspelled(
      () => jwtResolver({ ...base(), verifiedTokenCache: { maxEntry: 100 } as never }),
      'jwtResolver.verifiedTokenCache.maxEntry',
      'maxEntries',
    );
    expectMisspelled(
      () => jwtResolver({ ...base(), verifiedTokenCaches: {} } as never),
      'jwtResolver.verifiedTokenCaches',
      'verifiedTokenCache',
    );
  });
});

describe('resource-server options', () => {
  it.each([
    [{ requireHTTPS: false }, 'requireHTTPS', 'requireHttps'],
    [{ requireSenderConstrainted: 'mtls' }, 'requireSenderConstrainted', 'requireSenderConstrained'],
    [
      { certificateHeader: { name: 'x-client-cert', trustedProxy: ['10.0.0.1'] } },
      'certificateHeader.trustedProxy',
      'trustedProxies',
    ],
    [{ certificateHeader: { name: 'x-client-cert', formats: 'pem' } }, 'certificateHeader.formats', 'format'],
    [{ dpop: { replaystore: memoryReplayStore() } }, 'dpop.replaystore', 'replayStore'],
    [{ dpop: { iatWindows: 30 } }, 'dpop.iatWindows', 'iatWindow'],
    [{ tokenLocations: { queryString: true } }, 'tokenLocations.queryString', 'query'],
    [{ policy: { scope: ['write'] } }, 'policy.scope', 'scopes'],
    [{ policy: { scopes: { allof: ['write'] } } }, 'policy.scopes.allof', 'allOf'],
    [{ realms: 'api' }, 'realms', 'realm'],
  ])('refuses %o', (mistake, option, nearest) => {
    expectMisspelled(() => createResourceServer({ resolver, ...(mistake as object) }), option, nearest);
  });

  it('refuses a route policy { scope } when it is checked, at registration', () => {
    const rs = createResourceServer({ resolver });
    expectMisspelled(
      () => rs.checkPolicy({ scope: ['write'] } as never, 'route GET /items'),
      'route GET /items.scope',
      'scopes',
    );
  });

  it('refuses wrong types and ranges in nested options', () => {
    expectConfigError(() => createResourceServer({ resolver, dpop: 'yes' as never }), 'dpop');
    expectConfigError(() => createResourceServer({ resolver, dpop: { iatWindow: 0 } }), 'dpop.iatWindow');
    expectConfigError(
      () => createResourceServer({ resolver, requireHttps: 'false' as never }),
      'requireHttps',
    );
    expectConfigError(
      () =>
        createResourceServer({
          resolver,
          certificateHeader: { name: 'x', trustedProxies: '10.0.0.1' as never },
        }),
      'certificateHeader.trustedProxies',
    );
  });

  it('refuses a list with holes, which every list check used to read as a list of nothing', () => {
    const hole = <T>() => new Array<T>(1);
    const withKeys = { issuer: ISSUER, keys: staticJwks(jwksOf(key)) };
    const error = expectConfigError(
      () => jwtResolver({ ...withKeys, audience: AUDIENCE, algorithms: hole() }),
      'jwtResolver.algorithms',
    );
    expect(error.message).not.toContain('"none"');
    expectConfigError(() => jwtResolver({ ...withKeys, audience: hole() }), 'jwtResolver.audience');
    expectConfigError(() => claimEquals(hole(), 'a'), 'claimEquals(path)');
    expectConfigError(() => claimEquals('roles', hole()), 'claimEquals(expected)');
  });

  it('takes options parsed from JSON, and refuses their slips the same way', () => {
    const settings = JSON.parse(
      '{"realm":"api","requireHttps":true,"dpop":{"iatWindow":30},"policy":{"scopes":["read"]}}',
    );
    expect(() => createResourceServer({ resolver, ...settings })).not.toThrow();
    const slipped = JSON.parse('{"certificateHeader":{"name":"x-ssl-cert","trustedProxy":["10.0.0.0/8"]}}');
    expectMisspelled(
      () => createResourceServer({ resolver, ...slipped }),
      'certificateHeader.trustedProxy',
      'trustedProxies',
    );
  });
});

describe('every factory refuses a misspelled option', () => {
  const jwks = () => staticJwks(jwksOf(key));
  it.each<[string, () => unknown, string, string]>([
    ['tokenCache', () => tokenCache(resolver, { ttls: 1000 } as never), 'tokenCache.ttls', 'ttl'],
    [
      'remoteJwks',
      () => remoteJwks({ url: 'https://as.example.com/jwks', retryDelays: 1 } as never),
      'remoteJwks.retryDelays',
      'retryDelay',
    ],
    [
      'hybridResolver',
      () => hybridResolver({ jwt: resolver, opaques: resolver } as never),
      'hybridResolver.opaques',
      'opaque',
    ],
    [
      'issuerRouter',
      () => issuerRouter({ issuer: { [ISSUER]: resolver } } as never),
      'issuerRouter.issuer',
      'issuers',
    ],
    [
      'jwtResolver',
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: jwks(), skew: 5 } as never),
      'jwtResolver.skew',
      'skewAllowance',
    ],
    [
      'introspectionResolver',
      () => introspectionResolver({ ...INTROSPECTION, audience: AUDIENCE, timeOut: 1 } as never),
      'introspectionResolver.timeOut',
      'timeout',
    ],
    [
      'clientAuthentication',
      () =>
        introspectionResolver({
          ...INTROSPECTION,
          audience: AUDIENCE,
          clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecrets: 's' },
        } as never),
      'introspectionResolver.clientAuthentication.clientSecrets',
      'clientSecret',
    ],
    [
      'jwtResponse',
      () =>
        introspectionResolver({
          ...INTROSPECTION,
          issuer: ISSUER,
          audience: AUDIENCE,
          jwtResponse: { keys: jwks(), audiences: 'rs' },
        } as never),
      'introspectionResolver.jwtResponse.audiences',
      'audience',
    ],
    [
      'sharedSecret',
      () => sharedSecret('0123456789abcdef0123456789abcdef', { kids: 'a' } as never),
      'sharedSecret.options.kids',
      'kid',
    ],
    ['secretsProvider', () => secretsProvider({ store: [] } as never), 'secretsProvider.store', 'stores'],
    [
      'envSecretStore',
      () => envSecretStore({ env: {}, formats: 'plain' } as never),
      'envSecretStore.formats',
      'format',
    ],
    [
      'jwkSetStore',
      () => jwkSetStore({ jwks: jwks(), secretId: 'a' } as never),
      'jwkSetStore.secretId',
      'secretIds',
    ],
    [
      'sharedSecrets',
      () => sharedSecrets({}, { names: 'x' } as never),
      'sharedSecrets.options.names',
      'name',
    ],
    [
      'rotatingDpopNonces',
      () => rotatingDpopNonces({ lifetimes: 60 } as never),
      'rotatingDpopNonces.lifetimes',
      'lifetime',
    ],
    [
      'memoryReplayStore',
      () => memoryReplayStore({ maxEntry: 10 } as never),
      'memoryReplayStore.maxEntry',
      'maxEntries',
    ],
    [
      'undiciHttpClient',
      () => undiciHttpClient({ connection: 4 } as never),
      'undiciHttpClient.connection',
      'connections',
    ],
    [
      'undiciHttpClient.tls',
      () => undiciHttpClient({ tls: { certificate: 'x' } } as never),
      'undiciHttpClient.tls.certificate',
      'cert',
    ],
    ['pemSecretStore', () => pemSecretStore({ secret: {} } as never), 'pemSecretStore.secret', 'secrets'],
    [
      'pkcs12SecretStore',
      () =>
        pkcs12SecretStore({
          file: 'k.p12',
          storePassword: 'x',
          mappings: [{ secretId: 'a', alias: ['b'] }],
        } as never),
      'pkcs12SecretStore.mappings[0].alias',
      'aliases',
    ],
    [
      'directorySecretStore',
      () => directorySecretStore({ directory: tmpdir(), formats: 'plain' } as never),
      'directorySecretStore.formats',
      'format',
    ],
    [
      'jwkSetFileStore',
      () => jwkSetFileStore({ files: 'jwks.json' } as never),
      'jwkSetFileStore.files',
      'file',
    ],
  ])('%s', (_factory, build, option, nearest) => {
    expectMisspelled(build, option, nearest);
  });

  it('checks the options before touching the file system', () => {
    const directory = mkdtempSync(join(tmpdir(), 'rs-config-'));
    const file = join(directory, 'jwks.json');
    writeFileSync(file, JSON.stringify(jwksOf(key)));
    expect(() => jwkSetFileStore({ file })).not.toThrow();
    expectMisspelled(
      () => jwkSetFileStore({ file, maxFileByte: 10 } as never),
      'jwkSetFileStore.maxFileByte',
      'maxFileBytes',
    );
  });
});

describe("options by other libraries' names point at the option @rs takes", () => {
  const jwks = () => staticJwks(jwksOf(key));
  it.each<[string, () => unknown, string, string]>([
    [
      "jose's clockTolerance",
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: jwks(), clockTolerance: 5 } as never),
      'jwtResolver.clockTolerance',
      'did you mean "skewAllowance" (in seconds)?',
    ],
    [
      "jwks-rsa's jwksUri",
      () =>
        jwtResolver({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://as.example.com/jwks' } as never),
      'jwtResolver.jwksUri',
      'did you mean "keys" (keys: remoteJwks({ url }))?',
    ],
    [
      "express-jwt's secret",
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secret: 'x' } as never),
      'jwtResolver.secret',
      'did you mean "keys" (keys: sharedSecret(secret))?',
    ],
    [
      'a top-level clientId',
      () =>
        introspectionResolver({
          endpoint: INTROSPECTION.endpoint,
          audience: AUDIENCE,
          clientId: 'rs',
        } as never),
      'introspectionResolver.clientId',
      'did you mean "clientAuthentication"',
    ],
    [
      'top-level scopes',
      () => createResourceServer({ resolver, scopes: ['read'] } as never),
      'scopes',
      'did you mean "policy" (policy: { scopes: […] })?',
    ],
    [
      "Identity Gateway's accessTokenResolver",
      () => createResourceServer({ accessTokenResolver: resolver } as never),
      'accessTokenResolver',
      'did you mean "resolver"?',
    ],
    [
      "Identity Gateway's cache",
      () => createResourceServer({ resolver, cache: { enabled: true } } as never),
      'cache',
      'did you mean "resolver" (resolver: tokenCache(introspectionResolver({ … })))?',
    ],
  ])('%s', (_name, build, option, hint) => {
    expect(expectConfigError(build, option).message).toContain(`unknown option; ${hint}`);
  });
});
