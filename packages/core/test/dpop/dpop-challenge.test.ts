import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChallenge, buildRejection } from '../../src/adapter/index.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  DPOP_ALGORITHMS,
  jwtResolver,
  type ResourceServerOptions,
  rotatingDpopNonces,
  staticJwks,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';

const ALGS = `algs="${DPOP_ALGORITHMS.join(' ')}"`;

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let token: string;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey();
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, realm: 'api', clock: () => NOW_MS, ...options });

describe('WWW-Authenticate with both schemes accepted', () => {
  it('offers both bare challenges, in one header value and one by one, when no token is sent', async () => {
    const rejection = expectRejected(
      await server().authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(rejection.challenges).toEqual(['Bearer realm="api"', `DPoP realm="api", ${ALGS}`]);
    expect(rejection.wwwAuthenticate).toBe(`Bearer realm="api", DPoP realm="api", ${ALGS}`);
    expect(rejection.headers['www-authenticate']).toBe(rejection.wwwAuthenticate);
    expect(Object.values(rejection.headers).every((value) => typeof value === 'string')).toBe(true);
  });

  it('puts a proof error into the DPoP challenge', async () => {
    const proof = await makeProof(client, { htm: 'POST' }, { token });
    const rejection = expectRejected(
      await server().authenticate(dpopRequest(token, proof)),
      'dpop_htm_mismatch',
    );
    expect(rejection.challenges).toEqual([
      'Bearer realm="api"',
      `DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof was made for another HTTP method", ${ALGS}`,
    ]);
    expect(rejection.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof was made for another HTTP method',
      code: 'dpop_htm_mismatch',
    });
  });

  it('puts a token error into the challenge of the scheme the token came with', async () => {
    const expired = await mint(issuerKey, { cnf: { jkt: client.jkt }, exp: NOW_S - 1 });
    const viaDpop = expectRejected(
      await server().authenticate(dpopRequest(expired, await makeProof(client, {}, { token: expired }))),
      'token_expired',
    );
    expect(viaDpop.challenges).toEqual([
      'Bearer realm="api"',
      `DPoP realm="api", error="invalid_token", error_description="The access token expired", ${ALGS}`,
    ]);
    const viaBearer = expectRejected(
      await server().authenticate(bearerRequest(await mint(issuerKey, { exp: NOW_S - 1 }))),
      'token_expired',
    );
    expect(viaBearer.challenges).toEqual([
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
      `DPoP realm="api", ${ALGS}`,
    ]);
  });

  it('puts insufficient_scope and its scope into the DPoP challenge for a DPoP request', async () => {
    const rs = server({ policy: { scopes: ['admin'] } });
    const rejection = expectRejected(
      await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
      'insufficient_scope',
    );
    expect(rejection.challenges[1]).toBe(
      'DPoP realm="api", error="insufficient_scope", error_description="The access token lacks a scope this ' +
        `request requires", scope="admin", ${ALGS}`,
    );
  });

  it('advertises the configured algorithms, in order', async () => {
    const rs = server({ dpop: { algorithms: ['PS256', 'ES256'] } });
    const rejection = expectRejected(
      await rs.authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(rejection.wwwAuthenticate).toBe('Bearer realm="api", DPoP realm="api", algs="PS256 ES256"');
    expect(rs.challenge.dpopAlgorithms).toEqual(['PS256', 'ES256']);
  });

  it('keeps the single Bearer challenge when DPoP is off', async () => {
    const rs = createResourceServer({ resolver, realm: 'api', clock: () => NOW_MS });
    const rejection = expectRejected(
      await rs.authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(rejection.wwwAuthenticate).toBe('Bearer realm="api"');
    expect(rejection.challenges).toEqual(['Bearer realm="api"']);
  });
});

describe('a route that accepts DPoP-bound tokens only', () => {
  it('offers only the DPoP challenge and refuses Bearer before resolving', async () => {
    let calls = 0;
    const rs = server({
      resolver: {
        resolve: (presented, context) => {
          calls++;
          return resolver.resolve(presented, context);
        },
      },
    });
    const route = rs.checkPolicy({ requireSenderConstrained: 'dpop' }, 'route');
    const missing = expectRejected(
      await rs.authenticate({ method: 'GET', url: API_URL, headers: {} }, route),
      'token_missing',
    );
    expect(missing.challenges).toEqual([`DPoP realm="api", ${ALGS}`]);
    const bearer = expectRejected(
      await rs.authenticate(bearerRequest(await mint(issuerKey)), route),
      'sender_constraint_required',
    );
    expect(bearer.wwwAuthenticate).toBe(
      `DPoP realm="api", error="invalid_token", error_description="This resource requires a DPoP-bound access token", ${ALGS}`,
    );
    expect(calls).toBe(0);
    expectAccepted(await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token })), route));
  });

  it('is refused at start-up when the server does not accept DPoP', () => {
    const rs = createResourceServer({ resolver });
    expectConfigError(
      () => rs.checkPolicy({ requireSenderConstrained: 'dpop' }, 'route'),
      'route.requireSenderConstrained',
    );
    expectConfigError(
      () => createResourceServer({ resolver, requireSenderConstrained: 'dpop' }),
      'requireSenderConstrained',
    );
    expectConfigError(
      () => rs.checkPolicy({ requireSenderConstrained: 'tls' as never }, 'route'),
      'route.requireSenderConstrained',
    );
  });
});

describe('server nonces (RFC 9449 §9)', () => {
  const SECRET = 'a test secret that is at least 32 bytes long';

  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts the proof that carries it', async () => {
    const rs = server({ dpop: { nonces: rotatingDpopNonces({ secret: SECRET }) } });
    const first = expectRejected(
      await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
      'dpop_nonce_required',
      401,
    );
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
    expect(first.challenges[1]).toBe(
      `DPoP realm="api", error="use_dpop_nonce", error_description="The DPoP proof must carry the nonce from DPoP-Nonce", ${ALGS}`,
    );
    const accepted = await rs.authenticate(dpopRequest(token, await makeProof(client, { nonce }, { token })));
    expectAccepted(accepted);
    // The nonce is current: nothing new to hand out.
    expect(accepted.ok && accepted.headers).toEqual({});
  });

  it('accepts the previous nonce and hands out the new one; refuses older and forged ones', async () => {
    let now = NOW_MS;
    const nonces = rotatingDpopNonces({ secret: SECRET, lifetime: 60 });
    const rs = server({ clock: () => now, dpop: { nonces, iatWindow: 300 } });
    const old = await nonces.current(now);
    now += 60_000;
    const current = await nonces.current(now);
    expect(current).not.toBe(old);
    const accepted = await rs.authenticate(
      dpopRequest(token, await makeProof(client, { nonce: old }, { token })),
    );
    expectAccepted(accepted);
    expect(accepted.ok && accepted.headers).toEqual({ 'dpop-nonce': current });

    now += 60_000;
    const stale = expectRejected(
      await rs.authenticate(dpopRequest(token, await makeProof(client, { nonce: old }, { token }))),
      'dpop_nonce_required',
    );
    expect(stale.description).toBe('The DPoP proof nonce is no longer accepted');
    expect(stale.headers['dpop-nonce']).toBe(await nonces.current(now));

    const [slot] = current.split('.');
    for (const forged of [
      `${slot}.AAAAAAAAAAAAAAAAAAAAAA`,
      'nonce',
      `${Number(slot) + 1}.${current.split('.')[1]}`,
    ]) {
      expectRejected(
        await rs.authenticate(dpopRequest(token, await makeProof(client, { nonce: forged }, { token }))),
        'dpop_nonce_required',
      );
    }
    // Another secret's nonces are not ours.
    const foreign = await rotatingDpopNonces({ secret: `${SECRET}!` }).current(now);
    expectRejected(
      await rs.authenticate(dpopRequest(token, await makeProof(client, { nonce: foreign }, { token }))),
      'dpop_nonce_required',
    );
  });

  it('refuses weak nonce settings at start-up', () => {
    expectConfigError(() => rotatingDpopNonces({ secret: 'short' }), 'rotatingDpopNonces.secret');
    expectConfigError(() => rotatingDpopNonces({ lifetime: 0 }), 'rotatingDpopNonces.lifetime');
    expectConfigError(() => server({ dpop: { nonces: {} as never } }), 'dpop.nonces');
  });

  it('takes a lifetime from 1 to 3 600 seconds, with one message whatever the mistake', () => {
    for (const lifetime of [-1, 0, 0.5, 3_601, 300_000, Number.NaN]) {
      const error = expectConfigError(() => rotatingDpopNonces({ lifetime }), 'rotatingDpopNonces.lifetime');
      expect(error.problem).toBe('must be a number of seconds from 1 to 3600');
    }
  });

  it('refuses a secret given as undefined (an unset environment variable), not falling back to a random one', () => {
    const error = expectConfigError(
      () => rotatingDpopNonces({ secret: undefined }),
      'rotatingDpopNonces.secret',
    );
    expect(error.problem).toMatch(/environment variable/);
    // Left out, it is the documented random secret of a single instance.
    expect(() => rotatingDpopNonces({})).not.toThrow();
    expect(() => rotatingDpopNonces({ lifetime: 60 })).not.toThrow();
    expect(() => rotatingDpopNonces()).not.toThrow();
  });
});

describe('buildChallenge and buildRejection', () => {
  it('adds algs last, and the DPoP challenge when a proof error meets a server without DPoP settings', () => {
    expect(buildChallenge('DPoP', { realm: 'r', error: 'use_dpop_nonce', algs: ['ES256'] })).toBe(
      'DPoP realm="r", error="use_dpop_nonce", algs="ES256"',
    );
    const rejection = buildRejection({ code: 'dpop_replayed', description: 'Used' }, { realm: 'r' });
    expect(rejection.challenges).toEqual([
      'Bearer realm="r"',
      'DPoP realm="r", error="invalid_dpop_proof", error_description="Used"',
    ]);
  });

  it('adds the DPoP-Nonce header only when given', () => {
    const settings = { dpopAlgorithms: ['ES256'] };
    const withNonce = buildRejection({ code: 'dpop_nonce_required', description: 'Nonce' }, settings, {
      dpopNonce: 'n1',
    });
    expect(withNonce.headers).toEqual({
      'www-authenticate': 'Bearer, DPoP error="use_dpop_nonce", error_description="Nonce", algs="ES256"',
      'dpop-nonce': 'n1',
      'cache-control': 'no-store',
      'content-type': 'application/json',
    });
  });
});
