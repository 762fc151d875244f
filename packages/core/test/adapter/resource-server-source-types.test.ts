import { generateSigningKey, jwksOf } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { liteResourceServerFrom, resourceServerFrom } from '../../src/adapter/index.js';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

// Every adapter takes `ResourceServerSource` (or its lite form) as its options. An option of
// createResourceServer beside a prebuilt `resourceServer` is refused at start-up; its type must refuse it
// at compile time too, or a TypeScript user learns of the mistake only when the app starts. The
// `@ts-expect-error` lines are the test of the types: `tsc` fails where a line compiles.

let resolver: AccessTokenResolver;

beforeAll(async () => {
  resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(await generateSigningKey('ES256', 'k1'))),
  });
});

describe('the types of an adapter given a resource server', () => {
  it('refuse an option of createResourceServer beside it, as the factory does at start-up', () => {
    const resourceServer = createResourceServer({ resolver });
    // @ts-expect-error `realm` is set where the resource server is created.
    expectConfigError(() => resourceServerFrom({ resourceServer, realm: 'api' }), 'realm');
    // @ts-expect-error as is the server-wide policy.
    expectConfigError(() => resourceServerFrom({ resourceServer, policy: { scopes: ['read'] } }), 'policy');
    // @ts-expect-error a resolver too: the server was built with one of its own.
    expectConfigError(() => resourceServerFrom({ resourceServer, resolver }), 'resolver');
    expect(resourceServerFrom({ resourceServer })).toBe(resourceServer);
  });

  it('refuse an option of the lite factory beside a lite resource server', () => {
    const resourceServer = createLiteResourceServer({ resolver });
    // @ts-expect-error `requireHttps` is set where the resource server is created.
    expectConfigError(() => liteResourceServerFrom({ resourceServer, requireHttps: false }), 'requireHttps');
    expect(liteResourceServerFrom({ resourceServer })).toBe(resourceServer);
  });

  it('still take options assembled from a Partial of them', () => {
    const build = (options: Partial<Parameters<typeof resourceServerFrom>[0]> = {}) =>
      resourceServerFrom({ resolver, ...options });
    expect(build({ realm: 'api' }).challenge).toBeDefined();
  });
});
