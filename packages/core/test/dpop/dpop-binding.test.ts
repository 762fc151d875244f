import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';

// What ties a checked proof to its request and token: replay, the scheme, the key binding, the cache.

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let attacker: DpopKey;
let token: string;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  attacker = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, clock: () => NOW_MS, ...options });

describe('replay', () => {
  it('refuses a proof used before, for the same or another token', async () => {
    const rs = server();
    const proof = await makeProof(client, {}, { token });
    expectAccepted(await rs.authenticate(dpopRequest(token, proof)));
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'dpop_replayed', 401);
    // Same key and jti with another token: the jti is what the client promised never to reuse.
    const second = await mint(issuerKey, { cnf: { jkt: client.jkt } });
    const reused = await makeProof(client, { jti: 'reused-jti' }, { token });
    expectAccepted(await rs.authenticate(dpopRequest(token, reused)));
    const again = await makeProof(client, { jti: 'reused-jti' }, { token: second });
    expectRejected(await rs.authenticate(dpopRequest(second, again)), 'dpop_replayed');
  });

  it('scopes jti by key: another client may use the same jti', async () => {
    const rs = server();
    const other = await dpopKey();
    const otherToken = await mint(issuerKey, { cnf: { jkt: other.jkt } });
    expectAccepted(
      await rs.authenticate(dpopRequest(token, await makeProof(client, { jti: 'j' }, { token }))),
    );
    expectAccepted(
      await rs.authenticate(
        dpopRequest(otherToken, await makeProof(other, { jti: 'j' }, { token: otherToken })),
      ),
    );
  });

  it('does not use up a proof refused before authorization, and does once authorization ran', async () => {
    let outage = true;
    const rs = server({
      resolver: {
        resolve: (presented, context) => {
          if (!outage) return resolver.resolve(presented, context);
          outage = false;
          return Promise.resolve({
            ok: false,
            failure: { code: 'introspection_unavailable', description: 'Down' },
          });
        },
      },
    });
    const proof = await makeProof(client, {}, { token });
    expectRejected(await rs.authenticate(dpopRequest(token, proof, { method: 'POST' })), 'dpop_htm_mismatch');
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'introspection_unavailable', 503);
    expectAccepted(await rs.authenticate(dpopRequest(token, proof)));
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'dpop_replayed');

    // A proof the policy refused was used: it is not good for another try.
    const admin = rs.checkPolicy({ scopes: ['admin'] }, 'route');
    const second = await makeProof(client, {}, { token });
    expectRejected(await rs.authenticate(dpopRequest(token, second), admin), 'insufficient_scope');
    expectRejected(await rs.authenticate(dpopRequest(token, second)), 'dpop_replayed');
  });

  it('keeps each proof for its window in the store, and fails closed when the store fails', async () => {
    const remembered: [string, number][] = [];
    const rs = server({
      dpop: {
        replayStore: {
          remember: async (key, ttl) => {
            remembered.push([key, ttl]);
            return true;
          },
        },
      },
    });
    expectAccepted(
      await rs.authenticate(dpopRequest(token, await makeProof(client, { iat: NOW_S - 20 }, { token }))),
    );
    expect(remembered).toHaveLength(1);
    expect(remembered[0]![0]).toMatch(/^rs:dpop:[A-Za-z0-9_-]{43}$/);
    // Accepted until iat + 60 s, 40 s from now, plus a second of margin.
    expect(remembered[0]![1]).toBe(41_000);

    const broken = server({ dpop: { replayStore: { remember: () => Promise.reject(new Error('down')) } } });
    const rejection = expectRejected(
      await broken.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
      'replay_check_unavailable',
      503,
    );
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(rejection.challenges).toEqual([]);
  });
});

describe('scheme and binding', () => {
  it('refuses a DPoP-bound token presented as Bearer, with or without a proof', async () => {
    const rs = server();
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token)),
      'dpop_bound_token_as_bearer',
      401,
    );
    expect(rejection.wwwAuthenticate).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", DPoP algs="/,
    );
    const proof = await makeProof(client, {}, { token });
    expectRejected(
      await rs.authenticate(
        bearerRequest(token, { headers: { authorization: `Bearer ${token}`, dpop: proof } }),
      ),
      'dpop_bound_token_as_bearer',
    );
    // Without DPoP support there is no way to present it at all.
    const plain = createResourceServer({ resolver, clock: () => NOW_MS });
    expectRejected(await plain.authenticate(bearerRequest(token)), 'dpop_bound_token_as_bearer');
    expectRejected(await plain.authenticate(dpopRequest(token, proof)), 'token_missing');
  });

  it('refuses a token without cnf presented with the DPoP scheme', async () => {
    const unbound = await mint(issuerKey);
    const proof = await makeProof(client, {}, { token: unbound });
    expectRejected(await server().authenticate(dpopRequest(unbound, proof)), 'dpop_key_mismatch');
    expectAccepted(await server().authenticate(bearerRequest(unbound)));
  });

  it('confirms cached token info on every request', async () => {
    let calls = 0;
    const cache = tokenCache({
      resolve: (presented, context) => {
        calls++;
        return resolver.resolve(presented, context);
      },
    });
    const rs = server({ resolver: cache });
    expectAccepted(await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))));
    expectRejected(
      await rs.authenticate(dpopRequest(token, await makeProof(attacker, {}, { token }))),
      'dpop_key_mismatch',
    );
    expectRejected(await rs.authenticate(bearerRequest(token)), 'dpop_bound_token_as_bearer');
    expectAccepted(await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))));
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 1 });
  });

  it('checks the proof before resolving the token', async () => {
    let calls = 0;
    const rs = server({
      resolver: {
        resolve: (presented, context) => {
          calls++;
          return resolver.resolve(presented, context);
        },
      },
    });
    expectRejected(await rs.authenticate(dpopRequest(token, 'garbage.proof.here')), 'dpop_proof_invalid');
    expect(calls).toBe(0);
  });

  it('refuses malformed DPoP credentials', async () => {
    const proof = await makeProof(client, {}, { token });
    const rejection = expectRejected(
      await server().authenticate(
        dpopRequest(token, proof, { headers: { authorization: `DPoP ${token} x`, dpop: proof } }),
      ),
      'malformed_authorization',
    );
    expect(rejection.description).toBe('The DPoP credentials are not a valid token68');
  });
});
