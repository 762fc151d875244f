import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryError, discoverMetadata } from '../../src/discovery/authorization-server-metadata.js';
import { fetchHttpClient } from '../../src/http/fetch-http-client.js';
import { createResourceServer, issuerJwks, jwtResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, mint, NOW_MS } from '../helpers.js';
import {
  type StandInAnswer,
  type StandInServer,
  startStandInServer,
} from '../stand-in-authorization-server.js';

// Servers that serve only OpenID Connect discovery do not all answer the RFC 8414 URL with a 404: some
// answer 400 (a tenant they cannot find in the path), a 200 without a body, an HTML page, or their root
// metadata whatever path follows. None of that is metadata for the issuer, and discovery goes on to the
// OpenID URL, which must then state the issuer exactly, as always.
const TENANT_PATH = '/tenant-1/v2.0';
let rfc8414Answer: StandInAnswer;
let openIdAnswer: (origin: string) => StandInAnswer;
let server: StandInServer;
let issuer: string;
beforeAll(async () => {
  server = await startStandInServer((request) => {
    if (request.path.startsWith('/.well-known/oauth-authorization-server')) return rfc8414Answer;
    if (request.path === `${TENANT_PATH}/.well-known/openid-configuration`)
      return openIdAnswer(server.origin);
    if (request.path === '/keys') return { json: jwks };
    return { status: 404, body: '', contentType: 'text/plain' };
  });
  issuer = `${server.origin}${TENANT_PATH}`;
});
afterAll(() => server.close());

let jwks: unknown;
const limits = { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
const openIdMetadata = (origin: string): StandInAnswer => ({
  json: { issuer: `${origin}${TENANT_PATH}`, jwks_uri: `${origin}/keys` },
});

const notMetadata: [string, StandInAnswer][] = [
  ['a 404', { status: 404, body: '' }],
  ['a 400 naming no tenant', { status: 400, json: { error: 'invalid_tenant' } }],
  ['a 401', { status: 401, body: '' }],
  ['a 403', { status: 403, body: '' }],
  ['a 405', { status: 405, body: '' }],
  ['a 410', { status: 410, body: '' }],
  ['a 200 without a body', { body: '' }],
  ['a 200 HTML page', { body: '<html>sign in</html>', contentType: 'text/html' }],
  ['a 200 JSON array', { json: [] }],
  ['a 200 JSON object without issuer', { json: { jwks_uri: 'https://elsewhere.example/keys' } }],
];

describe('discovery goes on to OpenID Connect when the RFC 8414 URL holds no metadata for the issuer', () => {
  it.each(notMetadata)('after %s', async (_, answer) => {
    rfc8414Answer = answer;
    openIdAnswer = openIdMetadata;
    const metadata = await discoverMetadata(issuer, fetchHttpClient(), limits);
    expect(metadata.jwks_uri).toBe(`${server.origin}/keys`);
  });

  it("after the metadata of another issuer (the server's root one), and verifies tokens with the issuer's keys", async () => {
    const key = await generateSigningKey('RS256', 'tenant-key');
    jwks = jwksOf(key);
    rfc8414Answer = { json: { issuer: server.origin, jwks_uri: 'https://elsewhere.example/keys' } };
    openIdAnswer = openIdMetadata;
    const rs = createResourceServer({
      resolver: jwtResolver({ issuer, audience: 'api://orders', keys: issuerJwks({ issuer }) }),
      clock: () => NOW_MS,
      requireHttps: false,
    });
    const token = await mint(key, { iss: issuer, aud: 'api://orders' });
    expectAccepted(await rs.authenticate(bearerRequest(token)));
  });

  it('not after a "not now" answer: the server is unavailable, and asked again later', async () => {
    rfc8414Answer = { status: 503, body: '' };
    openIdAnswer = openIdMetadata;
    const error = (await discoverMetadata(issuer, fetchHttpClient(), limits).catch(
      (e) => e,
    )) as DiscoveryError;
    expect(error.code).toBe('ERR_RS_DISCOVERY_UNAVAILABLE');
  });

  it('holds the OpenID document to the same rules, and names the problem at both URLs', async () => {
    rfc8414Answer = { status: 400, json: { error: 'invalid_tenant' } };
    openIdAnswer = (origin) => ({ json: { issuer: origin, jwks_uri: `${origin}/keys` } });
    const error = (await discoverMetadata(issuer, fetchHttpClient(), limits).catch(
      (e) => e,
    )) as DiscoveryError;
    expect(error.code).toBe('ERR_RS_DISCOVERY_INVALID');
    expect(error.message).toContain('oauth-authorization-server/tenant-1/v2.0 answered HTTP 400');
    expect(error.message).toMatch(/openid-configuration names issuer "http:\/\/127\.0\.0\.1:\d+", not/);
  });
});
