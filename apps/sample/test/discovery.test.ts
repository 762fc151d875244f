import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import { SampleConfigError } from '../src/config.js';
import { discoverJwksUrl } from '../src/discovery.js';

let as: AuthorizationServer;
let discoveryUrl: string;
// Answers what the embedded server would not: a redirect, and a document far larger than any real one.
let oddServer: Server;
let oddUrl: string;
let redirectFollowed = false;

beforeAll(async () => {
  as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: 'https://sample-api.test',
    opaqueResource: 'https://sample-api.test/opaque',
  });
  discoveryUrl = `${as.issuer}/.well-known/openid-configuration`;
  oddServer = createServer((request, response) => {
    if (request.url === '/redirect') {
      // Where the redirect leads, the document would name the issuer and keys of the redirect's choosing.
      response.writeHead(302, { location: `${oddUrl}/elsewhere` }).end();
    } else if (request.url === '/elsewhere') {
      redirectFollowed = true;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: as.issuer, jwks_uri: `${oddUrl}/other-keys` }));
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      const padding = 'x'.repeat(1024 * 1024);
      response.end(JSON.stringify({ issuer: as.issuer, jwks_uri: as.jwksUrl, padding }));
    }
  });
  await new Promise<void>((resolve) => oddServer.listen(0, '127.0.0.1', resolve));
  oddUrl = `http://127.0.0.1:${(oddServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await as?.close();
  oddServer?.closeAllConnections();
  await new Promise((resolve) => oddServer?.close(resolve));
});

describe('discoverJwksUrl', () => {
  it('takes jwks_uri from a document naming the expected issuer', async () => {
    await expect(discoverJwksUrl(discoveryUrl, as.issuer)).resolves.toBe(as.jwksUrl);
  });

  it('refuses a document naming another issuer, even one differing by a trailing slash', async () => {
    await expect(discoverJwksUrl(discoveryUrl, `${as.issuer}/`)).rejects.toThrow(SampleConfigError);
  });

  it('refuses a URL that answers anything but 200', async () => {
    await expect(discoverJwksUrl(`${as.issuer}/nothing-here`, as.issuer)).rejects.toThrow(/HTTP 404/);
  });

  it('does not follow a redirect, which could lead to plain http or another server', async () => {
    await expect(discoverJwksUrl(`${oddUrl}/redirect`, as.issuer)).rejects.toThrow(
      /HTTP 302 \(a redirect, not followed/,
    );
    expect(redirectFollowed).toBe(false);
  });

  it('refuses a document larger than any real one instead of reading it all', async () => {
    await expect(discoverJwksUrl(`${oddUrl}/large`, as.issuer)).rejects.toThrow(SampleConfigError);
  });
});
