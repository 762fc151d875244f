import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, startJwksServer } from '@rs/testkit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { rsFastify, rsStatusHandler } from '../src/index.js';

const issuer = 'https://as.example.com';
const audience = 'https://api.example.com';

describe('rsStatusHandler', () => {
  it("answers the resource server's status: 503 until the JWK set is held, then 200", async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const jwks = await startJwksServer(jwksOf(key));
    try {
      const resourceServer = createResourceServer({
        resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwks.url }) }),
      });
      const app = Fastify();
      await app.register(rsFastify, { resourceServer });
      app.get('/health/auth', { config: { rs: false } }, rsStatusHandler(resourceServer));
      const before = await app.inject({ url: '/health/auth' });
      expect(before.statusCode).toBe(503);
      expect(before.headers['content-type']).toMatch(/^application\/json/);
      expect(before.headers['cache-control']).toBe('no-store');
      expect(before.json()).toMatchObject({ ready: false, dependencies: [{ kind: 'jwk-set', keys: 0 }] });

      const token = await mintToken(key, { issuer, audience });
      const request = {
        method: 'GET',
        url: 'https://api.example.com/x',
        headers: { authorization: `Bearer ${token}` },
      };
      expect((await resourceServer.authenticate(request)).ok).toBe(true);
      const after = await app.inject({ url: '/health/auth' });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ ready: true, dependencies: [{ kind: 'jwk-set', keys: 1 }] });
      await app.close();
    } finally {
      await jwks.close();
    }
  });
});
