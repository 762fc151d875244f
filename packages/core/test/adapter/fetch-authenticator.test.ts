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

// `maxFormBodyBytes: 0` refused every form POST (400, "too large"), and `1e12` or `9e15` bounded nothing.
describe('fetchAdapterAuthenticator maxFormBodyBytes', () => {
  const formPost = (body: string) =>
    new Request('https://api.example.com/items', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const formReader = (maxFormBodyBytes: number) =>
    fetchAdapterAuthenticator({ ...options, tokenLocations: { formBody: true }, maxFormBodyBytes });

  it('refuses a limit no form that carries a token fits in, or one that bounds nothing', () => {
    for (const bad of [0, 13, 16 * 1024 * 1024 + 1, 1e12, 9e15]) {
      const error = expectConfigError(() => formReader(bad), 'maxFormBodyBytes');
      expect(error.problem).toBe('must be a whole number of bytes from 14 to 16777216');
    }
  });

  it('at 14 bytes, reads `access_token=` and one character, and no more', async () => {
    const { authenticate } = formReader(14);
    // Read, and its one-character token judged: not the 400 of a body too large to look in.
    const read = await authenticate(formPost('access_token=x'));
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.response.status).toBe(401);
    const tooLarge = await authenticate(formPost('access_token=xy'));
    expect(tooLarge.ok).toBe(false);
    if (!tooLarge.ok) expect(tooLarge.response.status).toBe(400);
  });

  it('at 16 MiB, reads a form carrying a valid token', async () => {
    const token = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, { scope: 'read' });
    const { authenticate } = formReader(16 * 1024 * 1024);
    expect((await authenticate(formPost(`access_token=${token}`))).ok).toBe(true);
  });
});
