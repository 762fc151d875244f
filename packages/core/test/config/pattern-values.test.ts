// Issuers and audiences are compared exactly with iss and aud. Written as other tools write patterns or
// lists (`'*'`, `https://*.example.com`, `{tenantid}`, `'api other'`), each is one value no token carries:
// every token would be refused with no word on why, so such a value is refused at start-up instead,
// saying what to write.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  memoryReplayStore,
  revocationList,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

const jwt = (options: object) => () =>
  jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), ...options } as never);
const introspection = (options: object) => () =>
  introspectionResolver({
    endpoint: 'https://as.example.com/introspect',
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    ...options,
  } as never);

describe('an audience written as a wildcard', () => {
  it.each([['*'], [['*']], [[AUDIENCE, '*']], ['https://*.example.com'], ['api-*']])(
    'jwtResolver refuses %j, pointing at acceptAnyAudience',
    (audience) => {
      const error = expectConfigError(jwt({ audience }), 'jwtResolver.audience');
      expect(error.message).toContain('"*" is no wildcard');
      expect(error.message).toContain('acceptAnyAudience: true');
    },
  );

  it('introspectionResolver refuses it too', () => {
    const error = expectConfigError(introspection({ audience: '*' }), 'introspectionResolver.audience');
    expect(error.message).toContain('acceptAnyAudience: true');
  });
});

describe('several audiences in one string', () => {
  it.each([
    ['api other', "audience: ['api', 'other']"],
    ['api, other', "audience: ['api', 'other']"],
    [
      'https://a.example.com https://b.example.com',
      "audience: ['https://a.example.com', 'https://b.example.com']",
    ],
  ])('%j is refused, naming the array to write', (audience, written) => {
    const error = expectConfigError(jwt({ audience }), 'jwtResolver.audience');
    expect(error.message).toContain('holds white space');
    expect(error.message).toContain(written);
    expectConfigError(introspection({ audience }), 'introspectionResolver.audience');
  });

  it('accepts audiences with no white space, commas included', () => {
    for (const audience of ['api', 'urn:example:api', 'https://api.example.com/v1', 'a,b', ['api', 'other']])
      expect(jwt({ audience })).not.toThrow();
  });
});

describe('an issuer written as a pattern', () => {
  it.each([
    ['*', '"*" is no wildcard'],
    ['https://*.example.com', '"*" is no wildcard'],
    ['https://as.example.com/realms/*', '"*" is no wildcard'],
    ['https://login.microsoftonline.com/{tenantid}/v2.0', '{tenantid} is no placeholder'],
    ['https://as.example.com/{tenant}', '{tenant} is no placeholder'],
  ])('jwtResolver refuses %s, saying to list each issuer', (issuer, problem) => {
    const error = expectConfigError(jwt({ issuer }), 'jwtResolver.issuer');
    expect(error.message).toContain(problem);
    expect(error.message).toContain('list each issuer');
  });

  it('refuses one among several issuers', () => {
    expectConfigError(jwt({ issuer: [ISSUER, 'https://*.example.com'] }), 'jwtResolver.issuer');
  });

  it('accepts issuers as servers state them', () => {
    for (const issuer of [ISSUER, `${ISSUER}/`, 'my-issuer', 'urn:example:issuer'])
      expect(jwt({ issuer })).not.toThrow();
  });
});

describe('an issuerRouter route keyed by a pattern', () => {
  // An introspection resolver says nothing of the issuers it accepts: only the key's spelling tells.
  it.each(['*', 'https://*.example.com', 'https://login.microsoftonline.com/{tenantid}/v2.0'])(
    'refuses the key %s, which would route no token',
    (issuer) => {
      const error = expectConfigError(
        () =>
          issuerRouter({
            issuers: { [ISSUER]: jwt({})(), [issuer]: introspection({ audience: AUDIENCE })() },
          }),
        `issuerRouter.issuers[${JSON.stringify(issuer)}]`,
      );
      expect(error.message).toContain('key each route by an issuer exactly');
      expect(error.message).toContain('unidentified');
    },
  );
});

describe('the issuers and audiences of introspection answers and Security Event Tokens', () => {
  const receiver = (options: object) => () =>
    securityEventReceiver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
      ...options,
    } as never);

  it.each([
    [
      'an introspection issuer',
      introspection({ audience: AUDIENCE, issuer: ['https://as.example.com', '*'] }),
      'introspectionResolver.issuer',
    ],
    ['a SET issuer', receiver({ issuer: 'https://*.example.com' }), 'securityEventReceiver.issuer'],
    ['a SET audience', receiver({ audience: '*' }), 'securityEventReceiver.audience'],
    [
      'a SET audience placeholder',
      receiver({ audience: 'https://api.example.com/{tenant}' }),
      'securityEventReceiver.audience',
    ],
  ])('refuses %s written as a pattern', (_name, build, option) => {
    const error = expectConfigError(build, option);
    expect(error.message).toMatch(/is no (wildcard|placeholder)/);
  });
});
