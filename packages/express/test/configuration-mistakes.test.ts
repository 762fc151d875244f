import { createResourceServer } from '@rs/core';
import { configRefusal, type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer, rsExpress, securityEventHandler } from '../src/index.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});

describe('mistakes refused when the middleware is built', () => {
  it.each([
    [{ onRejections: 'next' }, 'onRejections', 'onRejection'],
    [{ publicURL: 'https://api.example.com' }, 'publicURL', 'publicUrl'],
    [{ requireHTTPS: false }, 'requireHTTPS', 'requireHttps'],
    [{ tokenLocation: { query: true } }, 'tokenLocation', 'tokenLocations'],
    [
      { certificateHeader: { name: 'x-client-cert', trustedProxy: ['10.0.0.1'] } },
      'certificateHeader.trustedProxy',
      'trustedProxies',
    ],
  ])('refuses the misspelled option %o, naming the nearest one', (mistake, option, nearest) => {
    const error = configRefusal(() => rsExpress({ ...fixture.options(), ...(mistake as object) }));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`unknown option; did you mean "${nearest}"?`);
  });

  it('refuses a failure-handling value it does not know', () => {
    expect(
      configRefusal(() => rsExpress({ ...fixture.options(), onRejection: 'throw' as never })).option,
    ).toBe('onRejection');
  });

  it('refuses protect({ scope }) when protect is called, before any request', () => {
    const protect = rsExpress(fixture.options());
    const error = configRefusal(() => protect({ scope: ['write'] } as never));
    expect(error.option).toBe('protect(policy).scope');
    expect(error.message).toContain('did you mean "scopes"?');
  });

  it('refuses DPoP without publicUrl, also with a prebuilt resource server', () => {
    expect(configRefusal(() => rsExpress(fixture.options({ dpop: true }))).option).toBe('publicUrl');
    const resourceServer = createResourceServer(fixture.options({ dpop: true }));
    expect(configRefusal(() => rsExpress({ resourceServer })).option).toBe('publicUrl');
    expect(() => rsExpress({ resourceServer, publicUrl: 'https://api.example.com' })).not.toThrow();
  });

  it("refuses an adapter's instance given as the resource server when built, not at protect()", () => {
    // Another adapter's instance looks alike: it has authenticate, and the core server under resourceServer.
    const adapter = createExpressResourceServer({ resolver: fixture.resolver });
    const lookAlike = { resourceServer: adapter.resourceServer, authenticate: async () => undefined };
    for (const instance of [adapter, lookAlike]) {
      const error = configRefusal(() => createExpressResourceServer({ resourceServer: instance as never }));
      expect(error.option).toBe('resourceServer');
      expect(error.message).toContain('createResourceServer');
    }
  });

  it('refuses options of createResourceServer beside a prebuilt resource server: one or the other', () => {
    const resourceServer = createResourceServer(fixture.options());
    const error = configRefusal(() =>
      createExpressResourceServer({ resourceServer, resolver: fixture.resolver } as never),
    );
    expect(error.option).toBe('resolver');
    expect(error.message).toContain('give either resourceServer or the options to build one, not both');
    expect(() => createExpressResourceServer({ resourceServer, onRejection: 'next' })).not.toThrow();
  });

  it('refuses a route policy given as undefined (misspelt or unloaded), which would leave the route to the server policy', () => {
    const rs = createExpressResourceServer({ resolver: fixture.resolver });
    const policies: Record<string, { scopes: string[] }> = { admin: { scopes: ['admin'] } };
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(configRefusal(() => rs.protect(policies.admn)).option).toBe('protect(policy)');
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(configRefusal(() => rs.protectOptional(policies.admn)).option).toBe('protectOptional(policy)');
    expect(() => rs.protect()).not.toThrow();
    expect(() => rs.protect(policies.admin!)).not.toThrow();
  });

  it('refuses a plain-http publicUrl off loopback while https is required: every request would be refused', () => {
    const { resolver } = fixture;
    const build = (options: object) => () => createExpressResourceServer({ resolver, ...options });
    const refusal = configRefusal(build({ publicUrl: 'http://api.example.com' }));
    expect(refusal.option).toBe('publicUrl');
    expect(refusal.message).toContain('requireHttps: false');
    expect(build({ publicUrl: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(build({ publicUrl: 'http://api.internal', requireHttps: false })).not.toThrow();
  });

  it('refuses a push endpoint without a securityEventReceiver, before any SET arrives', () => {
    expect(configRefusal(() => securityEventHandler(undefined as never)).option).toBe(
      'securityEventHandler.receiver',
    );
    expect(configRefusal(() => securityEventHandler({} as never)).option).toBe(
      'securityEventHandler.receiver',
    );
  });

  it('accepts a valid configuration as before', () => {
    const protect = rsExpress({
      ...fixture.options({ dpop: true, policy: { scopes: ['read'] } }),
      publicUrl: 'https://api.example.com',
      onRejection: 'next',
    });
    expect(typeof protect({ scopes: { allOf: ['write'] } })).toBe('function');
  });
});
