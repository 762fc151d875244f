import { generateSigningKey, jwksOf, mintToken, startJwksServer, tamperSignature } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, remoteJwks } from '../src/index.js';

describe('smoke', () => {
  it('accepts a real token and refuses a tampered one', async () => {
    const key = await generateSigningKey('RS256');
    const server = await startJwksServer(jwksOf(key));
    try {
      const rs = createResourceServer({
        resolver: jwtResolver({ issuer: 'https://as', audience: 'api', keys: remoteJwks({ url: server.url }) }),
        requireHttps: false,
        policy: { scopes: ['read'] },
      });
      const token = await mintToken(key, { issuer: 'https://as', audience: 'api' });
      const ok = await rs.authenticate({ method: 'GET', url: 'http://x/', headers: { authorization: `Bearer ${token}` } });
      expect(ok.ok).toBe(true);
      const bad = await rs.authenticate({ method: 'GET', url: 'http://x/', headers: { authorization: `Bearer ${tamperSignature(token)}` } });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.rejection.code).toBe('signature_invalid');
      expect(server.requests).toBe(1);
    } finally {
      await server.close();
    }
  });
});
