// A resolver given where the options belong (`createResourceServer(jwtResolver(…))`, an adapter's factory
// or plugin given the resolver alone) is named as such, rather than its first member as an unknown option.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceServerFrom } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

const resolver = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

describe('a resolver given in place of the options', () => {
  it.each([
    ['createResourceServer', () => createResourceServer(resolver() as never)],
    ["an adapter's factory (resourceServerFrom)", () => resourceServerFrom(resolver() as never)],
  ])('is named as such by %s', (_name, build) => {
    const error = expectConfigError(build, 'options');
    expect(error.message).toContain('{ resolver: jwtResolver(…) }');
    expect(error.message).not.toContain('unknown option');
  });

  it('leaves options that hold a resolver alone', () => {
    expect(() => createResourceServer({ resolver: resolver() })).not.toThrow();
  });
});
