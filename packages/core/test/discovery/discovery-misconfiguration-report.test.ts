import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AccessTokenResolver, introspectionResolver, issuerJwks, jwtResolver } from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectConfigError, expectFailure, mint } from '../helpers.js';

// An authorization server on loopback whose metadata states its issuer without a trailing slash, as
// most do, and a path whose metadata answers 503 (an outage of the metadata alone).
let key: TestSigningKey;
let server: Server;
let origin: string;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  server = createServer((request, response) => {
    const json = (body: unknown) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = request.url ?? '/';
    if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration')
      return json({ issuer: origin, jwks_uri: `${origin}/jwks` });
    if (path === '/jwks') return json(jwksOf(key));
    if (path.endsWith('/busy')) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.restoreAllMocks());

/** Observes what @rs writes to console.error (and keeps it out of the test log); replaces nothing of ours. */
function consoleErrors() {
  return vi.spyOn(console, 'error').mockImplementation(() => undefined);
}

function resolveNow(resolver: AccessTokenResolver, token: string) {
  return resolver.resolve(token, { request: bearerRequest(token), now: Date.now() });
}

describe('keys discovered from an issuer that the metadata does not name report on console.error', () => {
  it('writes why when the issuer has a trailing slash the server does not state, and answers keys_unavailable', async () => {
    const written = consoleErrors();
    const issuer = `${origin}/`;
    const token = await mint(key, { iss: issuer });
    const resolver = jwtResolver({ issuer, audience: AUDIENCE });

    for (let i = 0; i < 3; i++) expectFailure(await resolveNow(resolver, token), 'keys_unavailable');

    expect(written).toHaveBeenCalledTimes(1);
    const line = String(written.mock.calls[0]?.[0]);
    expect(line).toContain('@rs: issuerJwks is misconfigured:');
    expect(line).toContain(`names issuer "${origin}", not "${origin}/"`);
    expect(line).not.toContain(token);
  });

  it('writes why when no metadata is found under the issuer', async () => {
    const written = consoleErrors();
    const issuer = `${origin}/tenants/unknown`;
    const token = await mint(key, { iss: issuer });

    expectFailure(await resolveNow(jwtResolver({ issuer, audience: AUDIENCE }), token), 'keys_unavailable');

    expect(written).toHaveBeenCalledTimes(1);
    expect(String(written.mock.calls[0]?.[0])).toMatch(/issuerJwks is misconfigured: no metadata at/);
  });

  it('stays quiet while the metadata is merely unavailable, and for the issuer the server states', async () => {
    const written = consoleErrors();
    const busy = `${origin}/busy`;
    expectFailure(
      await resolveNow(jwtResolver({ issuer: busy, audience: AUDIENCE }), await mint(key, { iss: busy })),
      'keys_unavailable',
    );
    const outcome = await resolveNow(
      jwtResolver({ issuer: origin, audience: AUDIENCE }),
      await mint(key, { iss: origin }),
    );
    expect(outcome.ok ? undefined : outcome.failure.code).not.toBe('keys_unavailable');
    expect(written).not.toHaveBeenCalled();
  });

  it('gives onFetchError the DiscoveryError instead, and writes nothing', async () => {
    const written = consoleErrors();
    const issuer = `${origin}/`;
    const told: Error[] = [];
    const keys = issuerJwks({ issuer, onFetchError: (error) => told.push(error) });
    const token = await mint(key, { iss: issuer });

    expectFailure(
      await resolveNow(jwtResolver({ issuer, audience: AUDIENCE, keys }), token),
      'keys_unavailable',
    );

    expect(written).not.toHaveBeenCalled();
    expect(told.map((error) => (error as { code?: string }).code)).toEqual(['ERR_RS_DISCOVERY_INVALID']);
  });
});

describe('a metadata URL given for the issuer', () => {
  it.each([
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/realms/a/.well-known/openid-configuration',
  ])('is refused at start-up (%s), under the option it was given as', (path) => {
    const issuer = `${origin}${path}`;
    expectConfigError(() => jwtResolver({ issuer, audience: AUDIENCE }), 'jwtResolver.issuer');
    expectConfigError(() => issuerJwks({ issuer }), 'issuerJwks.issuer');
    expectConfigError(
      () =>
        introspectionResolver({
          issuer,
          acceptAnyAudience: true,
          clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
        }),
      'introspectionResolver.issuer',
    );
  });

  it('says what to give instead', () => {
    const error = expectConfigError(
      () => jwtResolver({ issuer: `${origin}/.well-known/openid-configuration`, audience: AUDIENCE }),
      'jwtResolver.issuer',
    );
    expect(error.problem).toMatch(/metadata document .*not an issuer/);
  });

  it('leaves an issuer whose path merely mentions well-known alone', () => {
    expect(() => issuerJwks({ issuer: `${origin}/well-known-tenant` })).not.toThrow();
  });
});
