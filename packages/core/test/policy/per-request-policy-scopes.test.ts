// A route policy first seen at request time (`rs.authenticate(request, { scopes: [...] })`) is checked
// then, and its scopes neither join the metadata's `scopes_supported` nor are kept: a scope computed from
// the request (`orders:${id}`) would grow both with every distinct request.
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { AUDIENCE, bearerRequest, ISSUER, mint, NOW_MS } from '../helpers.js';

describe('a route policy first seen at request time', () => {
  it('adds nothing to scopes_supported, however many distinct ones arrive', async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const rs = createResourceServer({
      resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
      clock: () => NOW_MS,
      protectedResource: { resource: AUDIENCE },
    });
    const route = rs.checkPolicy({ scopes: ['read'] }, 'route');
    const token = await mint(key, { scope: 'read' });
    await rs.authenticate(bearerRequest(token), route!);
    for (let index = 0; index < 1_000; index++) {
      await rs.authenticate(bearerRequest(token), { scopes: [`orders:${index}`] });
    }
    expect(rs.protectedResource?.document().scopes_supported).toEqual(['read']);
  });
});
