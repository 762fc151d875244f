import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  introspectionResolver,
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
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A token bound to a DPoP key, sent as a bearer token to a resource server that does not accept DPoP.
// It is refused (RFC 9449 §7.2: never a bearer token), and the refusal must not tell the client to use
// the DPoP scheme: this server would answer that request as one carrying no token at all.

const NOT_ACCEPTED = 'The access token is bound to a DPoP key, and this resource server does not accept DPoP';
const USE_DPOP = 'The access token is DPoP-bound: send it with the DPoP scheme';

let issuerKey: TestSigningKey;
let jwt: AccessTokenResolver;
let client: DpopKey;
let jktBound: string;
let jwkBound: string;
let authorizationServer: StandInServer;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey();
  jktBound = await mint(issuerKey, { cnf: { jkt: client.jkt } });
  jwkBound = await mint(issuerKey, { cnf: { jwk: client.publicJwk } });
  // Introspection answers for opaque tokens, over real HTTP on loopback.
  const active = { active: true, scope: 'read', exp: NOW_S + 60 };
  const answers: Record<string, Record<string, unknown>> = {
    'opaque-dpop': { ...active, token_type: 'DPoP', cnf: { jkt: client.jkt } },
    'opaque-jkt': { ...active, cnf: { jkt: client.jkt } },
    'opaque-jwk': { ...active, cnf: { jwk: client.publicJwk } },
  };
  authorizationServer = await startStandInServer((request) => ({
    json: answers[request.form.get('token') ?? ''] ?? { active: false },
  }));
});
afterAll(() => authorizationServer.close());

function introspection(): AccessTokenResolver {
  return introspectionResolver({
    acceptAnyAudience: true,
    endpoint: authorizationServer.introspectionEndpoint,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
  });
}

const server = (options: Partial<ResourceServerOptions> & Pick<ResourceServerOptions, 'resolver'>) =>
  createResourceServer({ realm: 'api', clock: () => NOW_MS, ...options });

describe('a cnf.jkt token sent as Bearer to a server without DPoP', () => {
  it('is refused 401 invalid_token, saying the server does not accept DPoP, with no DPoP advice', async () => {
    const rs = server({ resolver: jwt });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(jktBound)),
      'dpop_bound_token_as_bearer',
      401,
    );
    expect(rejection.description).toBe(NOT_ACCEPTED);
    expect(rejection.body.error_description).toBe(NOT_ACCEPTED);
    // Only the scheme this server takes is offered.
    expect(rejection.challenges).toEqual([
      `Bearer realm="api", error="invalid_token", error_description="${NOT_ACCEPTED}"`,
    ]);
    // Why the old advice was wrong: the DPoP scheme, with a valid proof, is no token to this server.
    const proof = await makeProof(client, {}, { token: jktBound });
    expectRejected(await rs.authenticate(dpopRequest(jktBound, proof)), 'token_missing');
  });

  it('is refused so on every hit of a token cache, and through introspection, cached or not', async () => {
    const cached = server({ resolver: tokenCache(jwt) });
    for (let hit = 0; hit < 3; hit++) {
      const rejection = expectRejected(
        await cached.authenticate(bearerRequest(jktBound)),
        'dpop_bound_token_as_bearer',
      );
      expect(rejection.description).toBe(NOT_ACCEPTED);
    }
    for (const resolver of [introspection(), tokenCache(introspection())]) {
      const rs = server({ resolver });
      for (const token of ['opaque-dpop', 'opaque-jkt', 'opaque-dpop']) {
        const rejection = expectRejected(
          await rs.authenticate(bearerRequest(token)),
          'dpop_bound_token_as_bearer',
        );
        expect(rejection.description, token).toBe(NOT_ACCEPTED);
      }
    }
  });

  it('is refused so beside a certificate binding, and whatever jwkConfirmation would say', async () => {
    const both = await mint(issuerKey, {
      cnf: { jkt: client.jkt, 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' },
    });
    const rs = server({ resolver: jwt, jwkConfirmation: () => true });
    for (const token of [jktBound, both]) {
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(token)),
        'dpop_bound_token_as_bearer',
      );
      expect(rejection.description).toBe(NOT_ACCEPTED);
    }
  });
});

describe('the same token at a server with DPoP', () => {
  it('is refused as Bearer with the advice to use the DPoP scheme, which then works', async () => {
    for (const resolver of [jwt, introspection()]) {
      const rs = server({ resolver, dpop: true });
      const token = resolver === jwt ? jktBound : 'opaque-dpop';
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(token)),
        'dpop_bound_token_as_bearer',
      );
      expect(rejection.description).toBe(USE_DPOP);
      expectAccepted(await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))));
    }
  });
});

describe('a cnf.jwk token at a server without DPoP', () => {
  it('is refused 401 invalid_token without DPoP advice, and confirmed by jwkConfirmation alone', async () => {
    for (const [resolver, token] of [
      [jwt, jwkBound],
      [introspection(), 'opaque-jwk'],
    ] as const) {
      const refused = expectRejected(
        await server({ resolver }).authenticate(bearerRequest(token)),
        'jwk_confirmation_failed',
        401,
      );
      expect(refused.description).not.toMatch(/DPoP/);
      expect(refused.challenges).toHaveLength(1);
      const confirmed = server({ resolver, jwkConfirmation: () => true });
      expectAccepted(await confirmed.authenticate(bearerRequest(token)));
    }
  });
});
