import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchAdapterAuthenticator } from '../../src/adapter/index.js';
import { jwtResolver, type ResourceServerOptions, staticJwks } from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

let key: TestSigningKey;
let options: ResourceServerOptions;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  options = { resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }) };
});
const bearer = async () => ({
  authorization: `Bearer ${await mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, { scope: 'read' })}`,
});

describe('fetchAdapterAuthenticator', () => {
  it('decides a Fetch Request and renders a refusal as a Fetch Response', async () => {
    const { forRoute } = fetchAdapterAuthenticator({ ...options, realm: 'api' });
    const authenticate = forRoute({ scopes: ['read'] }, 'protect.policy');
    const refused = await authenticate(new Request('https://api.example.com/items'));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.response.status).toBe(401);
      expect(refused.response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    }
    const accepted = await authenticate(
      new Request('https://api.example.com/items', { headers: await bearer() }),
    );
    expect(accepted.ok).toBe(true);
  });

  it('judges the URL under publicUrl, not the one the request arrived on', async () => {
    const { authenticate } = fetchAdapterAuthenticator({ ...options, publicUrl: 'https://api.example.com' });
    // requireHttps is on: the plain-http URL seen behind a TLS-terminating proxy is not what counts.
    const result = await authenticate(new Request('http://10.0.0.5:8080/items', { headers: await bearer() }));
    expect(result.ok).toBe(true);
  });

  it('refuses its unknown options, a bad publicUrl, and DPoP without publicUrl', () => {
    expectConfigError(() => fetchAdapterAuthenticator({ ...options, publicURL: 'x' } as never), 'publicURL');
    expectConfigError(() => fetchAdapterAuthenticator({ ...options, publicUrl: 'not a url' }), 'publicUrl');
    expectConfigError(() => fetchAdapterAuthenticator({ ...options, dpop: true }), 'publicUrl');
  });
});
