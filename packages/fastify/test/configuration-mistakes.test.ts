import {
  createResourceServer,
  memoryReplayStore,
  revocationList,
  securityEventReceiver,
  staticJwks,
} from '@rs/core';
import { configRefusal, generateSigningKey, jwksOf, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer, rsFastify, securityEventRoute } from '../src/index.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});

const handler = async () => 'ok';

describe('mistakes refused when the route or plugin is registered', () => {
  it.each(['all', 'opt-in'] as const)(
    'refuses config.RS in %s mode, which would leave the route open or without its policy',
    async (protect) => {
      const app = Fastify();
      await app.register(fastifyResourceServer, { ...fixture.options(), protect });
      const declare = () => app.get('/items', { config: { RS: { scopes: ['admin'] } } as never }, handler);
      expect(declare).toThrow(
        'invalid option "route GET /items config.RS": unknown option; did you mean "rs"?',
      );
      await app.close();
    },
  );

  it.each(['all', 'opt-in'] as const)(
    'refuses config.rs given as undefined in %s mode (a misspelt policy), and a policy that is no plain object',
    async (protect) => {
      const app = Fastify();
      await app.register(fastifyResourceServer, { ...fixture.options(), protect });
      const policies: Record<string, { scopes: string[] }> = { admin: { scopes: ['admin'] } };
      const misspelt = () => app.get('/admin', { config: { rs: policies.admn } }, handler);
      expect(misspelt).toThrow(/invalid option "route GET \/admin config.rs": is undefined/);
      // A promise was copied into an empty policy: the route took any valid token.
      const promised = () =>
        app.get('/later', { config: { rs: Promise.resolve({ scopes: ['admin'] }) as never } }, handler);
      expect(promised).toThrow(/invalid option "route GET \/later config.rs": must be a plain object/);
      // Left out, the mode decides, as before.
      expect(() => app.get('/items', { config: {} }, handler)).not.toThrow();
      await app.close();
    },
  );

  it("refuses hook: 'onRequest' with form-body tokens, which that hook would never see", async () => {
    const app = Fastify();
    const registered = app.register(fastifyResourceServer, {
      ...fixture.options({ tokenLocations: { authorizationHeader: true, formBody: true } }),
      hook: 'onRequest',
    });
    await expect(registered).rejects.toThrow(/'onRequest' runs before the body is parsed/);
    await app.close();
  });

  it('refuses config.rs { scope } when the route is declared, before any request', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    const declare = () => app.get('/items', { config: { rs: { scope: ['write'] } as never } }, handler);
    expect(declare).toThrow(
      'invalid option "route GET /items config.rs.scope": unknown option; did you mean "scopes"?',
    );
    await app.close();
  });

  it.each([
    [{ protects: 'opt-in' }, 'protects', 'protect'],
    [{ publicURL: 'https://api.example.com' }, 'publicURL', 'publicUrl'],
    [{ requireHTTPS: false }, 'requireHTTPS', 'requireHttps'],
    [{ requireSenderConstrainted: 'mtls' }, 'requireSenderConstrainted', 'requireSenderConstrained'],
    [
      { certificateHeader: { name: 'x-client-cert', trustedProxy: ['10.0.0.1'] } },
      'certificateHeader.trustedProxy',
      'trustedProxies',
    ],
  ])('refuses the misspelled option %o, naming the nearest one', async (mistake, option, nearest) => {
    const app = Fastify();
    await expect(
      app.register(rsFastify, { ...fixture.options(), ...(mistake as object) }),
    ).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option,
      message: expect.stringContaining(`did you mean "${nearest}"?`),
    });
    await app.close();
  });

  it("accepts Fastify's own register options (prefix, logLevel, logSerializers), which Fastify passes on", async () => {
    const app = Fastify();
    await app.register(
      async (scope) => {
        await scope.register(rsFastify, {
          ...fixture.options(),
          prefix: '/ignored-by-an-encapsulation-free-plugin',
          logLevel: 'warn',
          logSerializers: { user: (value: unknown) => String(value) },
        } as never);
        scope.get('/items', handler);
      },
      { prefix: '/api' },
    );
    const refused = await app.inject({ url: '/api/items' });
    expect(refused.statusCode).toBe(401);
    const token = await fixture.mint({ sub: 'alice' });
    const accepted = await app.inject({ url: '/api/items', headers: { authorization: `Bearer ${token}` } });
    expect(accepted.statusCode).toBe(200);
    await app.close();

    const shared = Fastify();
    const resourceServer = createResourceServer(fixture.options());
    await shared.register(rsFastify, { resourceServer, prefix: '/v1', logLevel: 'error' } as never);
    await shared.close();
  });

  it('refuses resource-server options beside a prebuilt resourceServer (they would be ignored)', async () => {
    const app = Fastify();
    const resourceServer = createResourceServer(fixture.options());
    await expect(app.register(rsFastify, { resourceServer, realm: 'api' } as never)).rejects.toMatchObject({
      option: 'realm',
    });
    await app.close();
  });

  it('refuses a plain-http publicUrl off loopback while https is required: every request would be refused', async () => {
    const { resolver } = fixture;
    const app = Fastify();
    await expect(
      app.register(fastifyResourceServer, { resolver, publicUrl: 'http://api.example.com' }),
    ).rejects.toMatchObject({ option: 'publicUrl' });
    await app.close();
    const allowed = Fastify();
    await allowed.register(fastifyResourceServer, {
      resolver,
      publicUrl: 'http://api.internal',
      requireHttps: false,
    });
    await allowed.ready();
    await allowed.close();
  });

  it('refuses a push endpoint without a receiver, with a misspelled or relative path, before any SET arrives', async () => {
    const receiver = securityEventReceiver({
      issuer: 'https://ssf.example.com',
      audience: 'https://api.example.com',
      keys: staticJwks(jwksOf(await generateSigningKey('ES256', 'ssf'))),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
    });
    expect(configRefusal(() => securityEventRoute({} as never)).option).toBe('securityEventRoute.receiver');
    const misspelled = configRefusal(() => securityEventRoute(receiver, { paths: '/ssf/events' } as never));
    expect(misspelled.option).toBe('securityEventRoute.paths');
    expect(misspelled.message).toContain('did you mean "path"?');
    expect(configRefusal(() => securityEventRoute(receiver, { path: 'ssf/events' })).option).toBe(
      'securityEventRoute.path',
    );
    const app = Fastify();
    await app.register(securityEventRoute(receiver, { path: '/ssf/events' }));
    await app.ready();
    await app.close();
  });

  it('accepts DPoP with publicUrl, and a valid configuration as before', async () => {
    const app = Fastify();
    await app.register(rsFastify, {
      ...fixture.options({ dpop: { iatWindow: 30 } }),
      publicUrl: 'https://api.example.com',
      protect: 'opt-in',
      hook: 'onRequest',
    });
    app.get('/items', { config: { rs: { scopes: { anyOf: ['read'] } } } }, handler);
    await app.ready();
    await app.close();
  });
});
