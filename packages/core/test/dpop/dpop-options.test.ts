import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceServerFrom } from '../../src/adapter/index.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  memoryReplayStore,
  type ResourceServerOptions,
  rotatingDpopNonces,
  staticJwks,
} from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  API_URL,
  AUDIENCE,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

// How the `dpop` option is read at start-up: what adapters learn of it, lists named twice, and a replay
// store written out but not loaded.

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let token: string;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, realm: 'api', clock: () => NOW_MS, ...options });

describe('dpopNonces: what an adapter reads to know that proofs need server nonces', () => {
  it('is true only when dpop names a nonce provider, however the server is built', () => {
    const nonces = rotatingDpopNonces({ secret: 'a shared secret of at least thirty-two bytes' });
    expect(server({ dpop: { nonces } }).dpopNonces).toBe(true);
    // Observed servers are another object built around the pipeline: they say it too.
    expect(server({ dpop: { nonces }, onAudit: () => {} }).dpopNonces).toBe(true);
    // Adapters given options build the server themselves.
    expect(resourceServerFrom({ resolver, dpop: { nonces } }).dpopNonces).toBe(true);
    expect(resourceServerFrom({ resourceServer: server({ dpop: { nonces } }) }).dpopNonces).toBe(true);

    expect(server().dpopNonces).toBe(false);
    expect(server({ dpop: { algorithms: ['ES256'] } }).dpopNonces).toBe(false);
    expect(server({ dpop: false }).dpopNonces).toBe(false);
    expect(createResourceServer({ resolver }).dpopNonces).toBe(false);
    // `@rs/core/lite` has no DPoP.
    expect(createLiteResourceServer({ resolver }).dpopNonces).toBe(false);
  });
});

describe('dpop.algorithms named twice', () => {
  it('counts each once, as jwtResolver does: in the challenge, the metadata and the proofs accepted', async () => {
    const rs = server({
      dpop: { algorithms: ['ES384', 'ES256', 'ES384', 'ES256'] },
      protectedResource: { resource: 'https://api.example.com' },
    });
    const rejection = expectRejected(
      await rs.authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(rejection.challenges[1]).toMatch(/^DPoP realm="api", algs="ES384 ES256", resource_metadata=/);
    expect(rs.protectedResource?.document()).toMatchObject({
      dpop_signing_alg_values_supported: ['ES384', 'ES256'],
    });
    expectAccepted(await rs.authenticate(dpopRequest(token, await makeProof(client, {}, { token }))));

    const single = server({ dpop: { algorithms: ['ES256', 'ES256'] } });
    const refused = expectRejected(
      await single.authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(refused.wwwAuthenticate).toBe('Bearer realm="api", DPoP realm="api", algs="ES256"');
  });

  it('still refuses a list with an algorithm it cannot take, named twice or not', () => {
    for (const algorithms of [
      ['ES256', 'HS256', 'HS256'],
      ['none', 'none'],
    ]) {
      expectConfigError(() => server({ dpop: { algorithms } }), 'dpop.algorithms');
    }
  });
});

describe('dpop.replayStore written out as undefined', () => {
  it('is refused at start-up, not replaced by a memory store only this instance sees', () => {
    const error = expectConfigError(() => server({ dpop: { replayStore: undefined } }), 'dpop.replayStore');
    expect(error.problem).toMatch(/^is undefined/);
    expect(error.problem).toContain('leave the option out');
    // As the resource server's option and through an adapter alike.
    expectConfigError(
      () => resourceServerFrom({ resolver, dpop: { replayStore: undefined } }),
      'dpop.replayStore',
    );
  });

  it('left out, is the documented memory store; given, is used', async () => {
    const rs = server({ dpop: {} });
    const proof = await makeProof(client, {}, { token });
    expectAccepted(await rs.authenticate(dpopRequest(token, proof)));
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'dpop_replayed');

    // Two instances sharing one store refuse each other's used proofs.
    const shared = memoryReplayStore();
    const [first, second] = [
      server({ dpop: { replayStore: shared } }),
      server({ dpop: { replayStore: shared } }),
    ];
    const used = await makeProof(client, {}, { token });
    expectAccepted(await first.authenticate(dpopRequest(token, used)));
    expectRejected(await second.authenticate(dpopRequest(token, used)), 'dpop_replayed');
  });
});
