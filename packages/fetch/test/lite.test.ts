import { jwtResolver, remoteJwks } from '@rs/core/lite';
import {
  configRefusal,
  generateSigningKey,
  type JwksServer,
  jwksOf,
  mintToken,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer as createFullFetchResourceServer } from '../src/index.js';
import { createFetchResourceServer, statusHandler } from '../src/lite.js';
import { conformanceResponse, runFetchConformance } from './support/conformance-app.js';

// The shared conformance suite through @rs/fetch/lite, less the cases of what @rs/core/lite leaves out
// (DPoP, certificate-bound tokens, failure answers): the same adapter code over the lite pipeline.
runFetchConformance('fetch/lite', (options) => createFetchResourceServer(options), true);

describe('@rs/fetch/lite over a JWK set fetched on loopback', () => {
  const issuer = 'https://as.example.test';
  const audience = 'https://api.example.test';
  let key: TestSigningKey;
  let jwks: JwksServer;
  const mint = (claims: Record<string, unknown> = {}) => mintToken(key, { issuer, audience }, claims);
  const options = () => ({
    resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwks.url }) }),
    requireHttps: false,
    realm: 'api',
  });

  beforeAll(async () => {
    key = await generateSigningKey('ES256');
    jwks = await startJwksServer(jwksOf(key));
  });
  afterAll(async () => {
    await jwks?.close();
  });

  it('hands the handler the context of a valid token', async () => {
    const rs = createFetchResourceServer(options());
    const handler = rs.protect((_request, oauth2) => Response.json({ subject: oauth2.subject }), {
      scopes: ['read'],
    });
    const token = await mint({ scope: 'read', sub: 'alice' });
    const response = await handler(
      new Request('http://localhost/items', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ subject: 'alice' });
  });

  it('answers a bound token and a DPoP authorization exactly as @rs/fetch without dpop refuses what it cannot check', async () => {
    const lite = createFetchResourceServer(options()).protect(() => new Response('reached'));
    const full = createFullFetchResourceServer(options()).protect(() => new Response('reached'));
    const bound = await mint({ cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });
    const uncheckable = await mint({ cnf: { kid: 'some-key' } });
    const send = (handler: (request: Request) => Promise<Response>, authorization: string) =>
      handler(new Request('http://localhost/items', { headers: { authorization } })).then(
        conformanceResponse,
      );

    const fromLite = await send(lite, `Bearer ${bound}`);
    expect(fromLite.status).toBe(401);
    expect(fromLite.body).toMatchObject({ error: 'invalid_token', code: 'confirmation_unsupported' });
    expect(fromLite).toEqual(await send(full, `Bearer ${uncheckable}`));

    const dpop = await send(lite, `DPoP ${await mint()}`);
    expect(dpop.status).toBe(401);
    expect(dpop).toEqual(await send(full, `DPoP ${await mint()}`));
  });

  it.each([
    ['dpop', true],
    ['protectedResource', { resource: 'https://api.example.test' }],
    ['failureResponses', {}],
    ['certificateHeader', { name: 'x-client-cert' }],
    ['onAudit', () => {}],
  ])('refuses %s by name, saying where to find it', (option, value) => {
    const error = configRefusal(() => createFetchResourceServer({ ...options(), [option]: value } as never));
    expect(error.option).toBe(option);
    expect(error.message).toContain('not available in the lite entry');
  });

  it('takes a prebuilt resource server, and serves its status', async () => {
    const rs = createFetchResourceServer(options());
    const shared = createFetchResourceServer({
      resourceServer: rs.resourceServer,
      publicUrl: 'http://localhost',
    });
    expect(shared.resourceServer).toBe(rs.resourceServer);
    const response = statusHandler(rs.resourceServer)();
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toHaveProperty('ready');
  });
});
