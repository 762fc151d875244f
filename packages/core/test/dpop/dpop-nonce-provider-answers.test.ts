// A `dpop.nonces` provider is the application's (often backed by a shared store): what it answers must not
// decide more than it says. Before, an `isValid` answering a truthy non-boolean accepted any nonce, a
// provider that threw made authenticate() reject (a 500 with the error's message in Fastify), and a
// `current` answering no nonce (a line break, a quote, a number) went into the DPoP-Nonce header, where
// the HTTP server threw while writing the refusal.
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  type DpopNonceProvider,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

let resolver: AccessTokenResolver;
let client: DpopKey;
let token: string;

beforeAll(async () => {
  const issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey();
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const server = (nonces: DpopNonceProvider) =>
  createResourceServer({ resolver, dpop: { nonces }, realm: 'api', clock: () => NOW_MS });

async function withNonce(nonce: string | undefined) {
  return dpopRequest(token, await makeProof(client, nonce === undefined ? {} : { nonce }, { token }));
}

describe('a nonce provider that answers oddly', () => {
  it('accepts a nonce only when isValid answers true, never a truthy non-boolean', async () => {
    for (const answer of ['false', 1, {}, Promise.resolve('yes')]) {
      const rs = server({ current: () => 'n1', isValid: () => answer as never });
      const rejection = expectRejected(
        await rs.authenticate(await withNonce('forged')),
        'dpop_nonce_required',
      );
      expect(rejection.headers['dpop-nonce']).toBe('n1');
    }
    const rs = server({ current: () => 'n1', isValid: async (nonce) => nonce === 'n1' });
    expectAccepted(await rs.authenticate(await withNonce('n1')));
  });

  it('does not ask the provider about a proof nonce that no provider could have handed out', async () => {
    const isValid = vi.fn(() => true);
    const rs = server({ current: () => 'n1', isValid });
    for (const nonce of ['with space', 'a"b', '']) {
      expectRejected(await rs.authenticate(await withNonce(nonce)), 'dpop_nonce_required');
    }
    expect(isValid).not.toHaveBeenCalled();
  });

  it('answers 503 without a challenge when isValid or current fails, as for a failing replay store', async () => {
    const down = (): never => {
      throw new Error('store down at redis://user:secret@10.0.0.5');
    };
    const cases: [DpopNonceProvider, string | undefined][] = [
      [{ current: () => 'n1', isValid: down }, 'n1'],
      [{ current: () => 'n1', isValid: () => Promise.reject(new Error('store down')) }, 'n1'],
      [{ current: down, isValid: () => false }, undefined],
      [{ current: () => Promise.reject(new Error('store down')), isValid: () => false }, 'stale'],
    ];
    for (const [nonces, nonce] of cases) {
      const rejection = expectRejected(
        await server(nonces).authenticate(await withNonce(nonce)),
        'replay_check_unavailable',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
      expect(rejection.headers['dpop-nonce']).toBeUndefined();
      expect(JSON.stringify(rejection.body)).not.toContain('store down');
    }
  });

  it('never puts anything but an RFC 9449 nonce into DPoP-Nonce: 503, and the bug written once', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    for (const current of ['a\r\nSet-Cookie: x=y', 'a"b', 'a\\b', 'with space', '', 42, undefined]) {
      const rs = server({ current: () => current as never, isValid: () => false });
      const rejection = expectRejected(
        await rs.authenticate(await withNonce(undefined)),
        'replay_check_unavailable',
        503,
      );
      expect(rejection.headers['dpop-nonce']).toBeUndefined();
    }
    // One reporter per server, each writes once; none writes the value.
    expect(logged).toHaveBeenCalled();
    for (const [message] of logged.mock.calls) {
      expect(message).toContain('dpop.nonces.current');
      expect(message).not.toContain('Set-Cookie');
    }
  });

  it('still accepts a request whose nonce is good when the provider cannot tell a fresh one', async () => {
    let calls = 0;
    const rs = server({
      current: () => {
        calls++;
        throw new Error('store down');
      },
      isValid: (nonce) => nonce === 'n1',
    });
    const accepted = await rs.authenticate(await withNonce('n1'));
    expectAccepted(accepted);
    expect(accepted.ok && accepted.headers).toEqual({});
    expect(calls).toBe(1);
  });
});
