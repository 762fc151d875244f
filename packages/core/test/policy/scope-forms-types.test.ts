import { generateSigningKey, jwksOf } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

// `{ allOf }` and `{ anyOf }` together are refused when the policy is checked (one of them would
// otherwise be ignored); the type of a policy must refuse them too. The `@ts-expect-error` lines are the
// test of the types: `tsc` fails where such a line compiles.

let resolver: AccessTokenResolver;

beforeAll(async () => {
  resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(await generateSigningKey('ES256', 'k1'))),
  });
});

describe('the type of a scope requirement', () => {
  it('refuses allOf and anyOf together, as the policy check does', () => {
    const server = createResourceServer({ resolver });
    // @ts-expect-error one form or the other.
    const both: AccessPolicy = { scopes: { allOf: ['admin'], anyOf: ['read'] } };
    expectConfigError(() => server.checkPolicy(both, 'route'), 'route.scopes');
    // @ts-expect-error nor may a computed requirement return both.
    const computed: AccessPolicy = { scopes: () => ({ anyOf: ['read'], allOf: ['admin'] }) };
    expect(computed.scopes).toBeTypeOf('function');
  });

  it('takes each form alone', () => {
    const server = createResourceServer({ resolver });
    for (const scopes of [['read'], { allOf: ['read'] }, { anyOf: ['read', 'admin'] }] as const) {
      expect(server.checkPolicy({ scopes }, 'route')).toEqual({ scopes });
    }
  });
});
