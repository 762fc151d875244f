import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { introspectionResolver } from '@rs/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConformanceDriver } from './driver.js';
import { conformanceOptions, useConformanceApp } from './setup.js';

/**
 * The authorization server cannot be asked: the request fails closed with 503, without a challenge
 * (the client did nothing wrong) and without the token in the answer.
 */
export function unavailableCases(driver: ConformanceDriver): void {
  describe('authorization server unavailable', () => {
    let server: Server | undefined;
    let introspections = 0;
    const app = useConformanceApp(driver, async () => {
      // A real introspection endpoint on loopback that answers every request 503.
      server = createServer((request, response) => {
        introspections++;
        request.resume();
        response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return conformanceOptions(
        introspectionResolver({
          endpoint: `http://127.0.0.1:${port}/introspect`,
          issuer: 'https://as.conformance.test',
          clientAuthentication: {
            method: 'client_secret_basic',
            clientId: 'rs',
            clientSecret: 'conformance-secret',
          },
          retries: 0,
          onError: () => {},
        }),
      );
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    it('answers 503 without a challenge, and never echoes the token', async () => {
      const token = 'opaque-conformance-token-1f2e3d4c';
      const before = introspections;
      const response = await app().request({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(introspections - before).toBe(1);
      expect(response.status).toBe(503);
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(response.body).toMatchObject({ code: 'introspection_unavailable' });
      expect(JSON.stringify(response)).not.toContain(token);
    });
  });
}
