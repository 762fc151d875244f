// A requirement written out as `undefined` (`policy: settings.polcy`, `process.env.X?.split(',')` with the
// variable unset) is one that failed to load. Read as left out, it would be dropped without a word: the
// server-wide policy, the sender constraint demanded of every token, the claims or the revocation list a
// JWT resolver was given. Each is refused at start-up instead; left out, each keeps its default.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
import { AUDIENCE, bearerRequest, expectConfigError, ISSUER, mint, NOW_MS } from '../helpers.js';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

const resolver = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

describe('a resource server requirement given as undefined', () => {
  const settings: { polcy?: object } = { polcy: { scopes: ['admin'] } };

  it('refuses policy: undefined, which would open every route to any valid token', async () => {
    const error = expectConfigError(
      () => createResourceServer({ resolver: resolver(), policy: (settings as { policy?: never }).policy }),
      'policy',
    );
    expect(error.message).toContain('misspelt or failed to load');
    // What it would have done: a token without the scope accepted.
    const open = createResourceServer({ resolver: resolver(), clock: () => NOW_MS });
    const token = await mint(key, { scope: 'read' });
    expect((await open.authenticate(bearerRequest(token))).ok).toBe(true);
  });

  it('refuses requireSenderConstrained: undefined, which would accept bearer tokens', () => {
    const error = expectConfigError(
      () =>
        createResourceServer({
          resolver: resolver(),
          requireSenderConstrained: process.env.RS_TEST_UNSET_SENDER_CONSTRAINT as never,
        }),
      'requireSenderConstrained',
    );
    expect(error.message).toContain('"mtls", "dpop" or "any"');
  });

  it('refuses policy: undefined in the lite entry too', () => {
    expectConfigError(() => createLiteResourceServer({ resolver: resolver(), policy: undefined }), 'policy');
  });

  it('accepts both left out', () => {
    expect(() => createResourceServer({ resolver: resolver() })).not.toThrow();
  });
});

describe('a jwtResolver requirement given as undefined', () => {
  it.each(['requiredClaims', 'revocations'])('refuses %s: undefined', (option) => {
    const error = expectConfigError(
      () =>
        jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: staticJwks(jwksOf(key)),
          [option]: undefined,
        }),
      `jwtResolver.${option}`,
    );
    expect(error.message).toContain('failed to load? Leave the option out');
  });
});
