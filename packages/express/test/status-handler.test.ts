import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, startJwksServer } from '@rs/testkit';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { rsStatusHandler } from '../src/index.js';

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
      const app = express();
      app.get('/health/auth', rsStatusHandler(resourceServer));
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/auth`;
      try {
        const before = await fetch(url);
        expect(before.status).toBe(503);
        expect(before.headers.get('content-type')).toMatch(/^application\/json/);
        expect(before.headers.get('cache-control')).toBe('no-store');
        expect(await before.json()).toMatchObject({
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
        const after = await fetch(url);
        expect(after.status).toBe(200);
        expect(await after.json()).toMatchObject({
          ready: true,
          dependencies: [{ kind: 'jwk-set', keys: 1 }],
        });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      await jwks.close();
    }
  });
});
