import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { anyValue, liteResourceServerFrom, resourceServerFrom } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
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

  it("refuses an adapter's instance (or another look-alike) where the core resource server belongs", () => {
    const core = createResourceServer({ resolver });
    // What every adapter factory hands back: the core server under `.resourceServer`, and its own methods.
    const adapterInstance = {
      resourceServer: core,
      authenticate: async () => undefined,
      protect: () => undefined,
    };
    const error = expectConfigError(
      () => resourceServerFrom({ resourceServer: adapterInstance as unknown as ResourceServer }),
      'resourceServer',
    );
    expect(error.message).toContain('createResourceServer');
    expect(error.message).toContain('adapter');
    const halfDone = { ...core, checkPolicy: undefined } as unknown as ResourceServer;
    expectConfigError(() => resourceServerFrom({ resourceServer: halfDone }), 'resourceServer');
    expectConfigError(
      () => liteResourceServerFrom({ resourceServer: adapterInstance as never }),
      'resourceServer',
    );
  });

  it('refuses options of createResourceServer beside a resourceServer, saying to give one or the other', () => {
    const shared = createResourceServer({ resolver });
    const both = { resourceServer: shared, resolver } as unknown as Parameters<typeof resourceServerFrom>[0];
    const error = expectConfigError(() => resourceServerFrom(both), 'resolver');
    expect(error.message).toContain('give either resourceServer or the options to build one, not both');
    expect(error.message).not.toContain('unknown option');
    // Any option of the factory, with the adapter's own settings beside it still taken.
    const withPolicy = { resourceServer: shared, onRejection: 'next', policy: { scopes: ['read'] } };
    expectConfigError(() => resourceServerFrom(withPolicy as never, { onRejection: anyValue }), 'policy');
    expect(
      resourceServerFrom({ resourceServer: shared, onRejection: 'next' } as never, { onRejection: anyValue }),
    ).toBe(shared);
    // The lite factory's options likewise.
    expectConfigError(
      () => liteResourceServerFrom({ resourceServer: shared, realm: 'api' } as never),
      'realm',
    );
    // A resourceServer written out but unset (a shared server not yet made), beside the options.
    const unset = expectConfigError(
      () => resourceServerFrom({ resourceServer: undefined, resolver } as never),
      'resourceServer',
    );
    expect(unset.message).toContain('is undefined, beside options of createResourceServer ("resolver")');
    // A key that is nobody's option is still unknown.
    const typo = expectConfigError(
      () => resourceServerFrom({ resourceServer: shared, resolvr: resolver } as never),
      'resolvr',
    );
    expect(typo.message).toContain('unknown option');
  });

  it('accepts the lite resource server as well as the full one', () => {
    const lite = createLiteResourceServer({ resolver });
    expect(resourceServerFrom({ resourceServer: lite })).toBe(lite);
    expect(liteResourceServerFrom({ resourceServer: createResourceServer({ resolver }) })).toBeDefined();
  });
});
