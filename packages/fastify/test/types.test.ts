import type { AccessPolicy, OAuth2Context, RsContext } from '@rs/core';
import type { FastifyContextConfig, FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { contextOf, type RsFastifyOptions } from '../src/index.js';

describe('types', () => {
  it('types request.oauth2 as the context, null on unprotected routes', () => {
    expectTypeOf<FastifyRequest['oauth2']>().toEqualTypeOf<OAuth2Context | null>();
  });

  it('types the route config option rs', () => {
    expectTypeOf<FastifyContextConfig['rs']>().toEqualTypeOf<
      (AccessPolicy & { readonly optional?: boolean }) | boolean | 'optional' | undefined
    >();
  });

  it("types contextOf with the application's claims type", () => {
    interface MyClaims {
      readonly tenant: string;
    }
    const request = { oauth2: null } as FastifyRequest;
    expectTypeOf(contextOf<MyClaims>(request)).toEqualTypeOf<RsContext<MyClaims> | null>();
    expectTypeOf(contextOf(request)).toEqualTypeOf<RsContext | null>();
  });

  it('accepts resource-server options or a prebuilt resource server, plus plugin settings', () => {
    expectTypeOf<{
      resourceServer: import('@rs/core').ResourceServer;
      protect: 'opt-in';
    }>().toExtend<RsFastifyOptions>();
    expectTypeOf<{ protect: 'opt-in' }>().not.toExtend<RsFastifyOptions>();
  });
});
