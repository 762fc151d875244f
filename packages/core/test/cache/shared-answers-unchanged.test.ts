// A token cache hands one answer to every request presenting the token (stored, or shared by a call under
// way); the verified-token cache keeps a token's claims. Application code that changes its context (a
// JavaScript caller, or a cast through the readonly types) must change nothing for the next request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  claimIncludes,
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const ADMIN: AccessPolicy = { scopes: ['admin'] };
const ADMIN_ROLE: AccessPolicy = { claims: [claimIncludes('roles', 'admin')] };

let introspection: Server;
let endpoint: string;
beforeAll(async () => {
  // A loopback RFC 7662 endpoint standing in for the authorization server: one active token.
  introspection = createServer((_request, response) => {
    _request.resume();
    _request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          active: true,
          sub: 'alice',
          client_id: 'app',
          scope: 'read',
          roles: ['reader'],
          exp: NOW_MS / 1000 + 300,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(introspection.address() as AddressInfo).port}/introspect`;
});
afterAll(async () => {
  introspection.closeAllConnections();
  await new Promise((resolve) => introspection.close(resolve));
});

async function resolvers(): Promise<[string, AccessTokenResolver, string][]> {
  const key = await generateSigningKey('ES256', 'k1');
  const claims = { sub: 'alice', scope: 'read', roles: ['reader'] };
  return [
    [
      'a token cache over introspection',
      tokenCache(
        introspectionResolver({
          endpoint,
          acceptAnyAudience: true,
          clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
          retries: 0,
        }),
      ),
      'opaque-token',
    ],
    [
      'the verified-token cache',
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks(jwksOf(key)),
        verifiedTokenCache: { maxEntries: 10 },
      }),
      await mint(key, claims),
    ],
  ];
}

describe('what a request does to its context stays with it', () => {
  it('a scope added to one context is not granted to the next request with the token', async () => {
    for (const [name, resolver, token] of await resolvers()) {
      const server = createResourceServer({ resolver, clock: () => NOW_MS });
      const first = expectAccepted(await server.authenticate(bearerRequest(token)));
      (first.scopes as Set<string>).add('admin');
      expectRejected(await server.authenticate(bearerRequest(token), ADMIN), 'insufficient_scope');
      const again = expectAccepted(await server.authenticate(bearerRequest(token)));
      expect([...again.scopes], name).toEqual(['read']);
    }
  });

  it('claims handed to many requests cannot be changed: a role pushed throws, and is not granted', async () => {
    for (const [name, resolver, token] of await resolvers()) {
      const server = createResourceServer({ resolver, clock: () => NOW_MS });
      const first = expectAccepted(await server.authenticate(bearerRequest(token)));
      expect(() => (first.claims.roles as string[]).push('admin'), name).toThrow(TypeError);
      expect(() => {
        (first.claims as Record<string, unknown>).roles = ['admin'];
      }, name).toThrow(TypeError);
      expect(() => (first.audience as string[]).push('other'), name).toThrow(TypeError);
      expectRejected(await server.authenticate(bearerRequest(token), ADMIN_ROLE), 'claim_check_failed');
      const again = expectAccepted(await server.authenticate(bearerRequest(token)));
      expect(again.claims.roles, name).toEqual(['reader']);
    }
  });
});
