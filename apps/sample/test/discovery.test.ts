import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import { SampleConfigError } from '../src/config.js';
import { discoverJwksUrl } from '../src/discovery.js';

let as: AuthorizationServer;
let discoveryUrl: string;

beforeAll(async () => {
  as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: 'https://sample-api.test',
    opaqueResource: 'https://sample-api.test/opaque',
  });
  discoveryUrl = `${as.issuer}/.well-known/openid-configuration`;
});

afterAll(async () => {
  await as?.close();
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
});
