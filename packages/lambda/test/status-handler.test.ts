import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, startJwksServer } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { statusHandler } from '../src/index.js';

const issuer = 'https://as.example.com';
const audience = 'https://api.example.com';

describe('statusHandler', () => {
  it("answers the resource server's status: 503 until the JWK set is held, then 200", async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const jwks = await startJwksServer(jwksOf(key));
    try {
      const resourceServer = createResourceServer({
        resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwks.url }) }),
      });
      const health = statusHandler(resourceServer);
      const before = await health();
      expect(before.statusCode).toBe(503);
      expect(before.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
      expect(JSON.parse(before.body)).toMatchObject({
        ready: false,
        dependencies: [{ kind: 'jwk-set', keys: 0 }],
      });

      const token = await mintToken(key, { issuer, audience });
      const request = {
        method: 'GET',
        url: 'https://api.example.com/x',
        headers: { authorization: `Bearer ${token}` },
      };
      expect((await resourceServer.authenticate(request)).ok).toBe(true);
      const after = await health();
      expect(after.statusCode).toBe(200);
      expect(JSON.parse(after.body)).toMatchObject({
        ready: true,
        dependencies: [{ kind: 'jwk-set', keys: 1 }],
      });
    } finally {
      await jwks.close();
    }
  });
});
