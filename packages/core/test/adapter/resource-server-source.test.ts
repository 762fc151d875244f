import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceServerFrom } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectConfigError, ISSUER, mint, NOW_MS } from '../helpers.js';

let key: TestSigningKey;
let resolver: ReturnType<typeof jwtResolver>;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

describe('resourceServerFrom', () => {
  it('hands back a prebuilt resource server as it is', () => {
    const shared = createResourceServer({ resolver });
    expect(resourceServerFrom({ resourceServer: shared })).toBe(shared);
  });

  it('builds one from options, which then decides requests', async () => {
    const rs = resourceServerFrom({ resolver, clock: () => NOW_MS, policy: { scopes: ['read'] } });
    const accepted = await rs.authenticate(bearerRequest(await mint(key, { scope: 'read' })));
    expect(accepted.ok).toBe(true);
    const refused = await rs.authenticate(bearerRequest(await mint(key, { scope: 'write' })));
    expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');
  });

  it('checks the options at start-up', () => {
    expectConfigError(() => resourceServerFrom({ resolver, realm: 'a"b' }), 'realm');
  });

  it('refuses something that is not a resource server, or no options at all', () => {
    const fake = { authenticate: 'yes' } as unknown as ResourceServer;
    expectConfigError(() => resourceServerFrom({ resourceServer: fake }), 'resourceServer');
    expectConfigError(
      () => resourceServerFrom(null as unknown as Parameters<typeof resourceServerFrom>[0]),
      'options',
    );
  });
});
