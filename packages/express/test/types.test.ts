import type { OAuth2Context } from '@rs/core';
import type { Request, RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import type { Protect } from '../src/index.js';

describe('types', () => {
  it('types req.oauth2 as the optional context', () => {
    expectTypeOf<Request['oauth2']>().toEqualTypeOf<OAuth2Context | undefined>();
  });

  // Express 4 types are checked by test/express4-types, which maps `express` to @types/express 4.
  it('makes Express middleware', () => {
    expectTypeOf<ReturnType<Protect>>().toExtend<RequestHandler>();
  });
});
