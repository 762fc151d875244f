import { describe, expect, it } from 'vitest';
import { buildApi } from '../src/api.js';
import { HOST } from '../src/config.js';
import { urlOf } from '../src/http-server.js';

// PORT=80 (or TLS_PORT=443) is a valid setting: the URLs made from it, the API's identifier among them, leave
// the scheme's default port out, as @rs/core wants identifiers written.
describe('URLs of listeners on a default port', () => {
  it('leave the default port out, and keep any other', () => {
    expect(urlOf(HOST, 80)).toBe('http://127.0.0.1');
    expect(urlOf(HOST, 443, 'https')).toBe('https://127.0.0.1');
    expect(urlOf(HOST, 443)).toBe('http://127.0.0.1:443');
    expect(urlOf(HOST, 80, 'https')).toBe('https://127.0.0.1:80');
    expect(urlOf('::1', 9401)).toBe('http://[::1]:9401');
  });

  it('make an API that starts with PORT=80, as main.ts builds it', async () => {
    const apiUrl = urlOf(HOST, 80);
    const api = await buildApi({
      issuer: urlOf(HOST, 9400),
      audience: apiUrl,
      jwksUrl: `${urlOf(HOST, 9400)}/jwks`,
      publicUrl: apiUrl,
    });
    try {
      const metadata = await api.inject({ url: '/.well-known/oauth-protected-resource' });
      expect(metadata.json()).toMatchObject({ resource: 'http://127.0.0.1' });
    } finally {
      await api.close();
    }
  });
});
