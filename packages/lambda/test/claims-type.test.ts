import type { RsContext } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createLambdaResourceServer, type LambdaResourceServer } from '../src/index.js';
import { httpApiEvent, httpApiResponse } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { jsonBody } from './support/lambda-response.js';

interface MyClaims {
  readonly sub: string;
  readonly tenant: string;
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

describe("the application's claims type", () => {
  it('flows from the factory to protect, protectOptional, protectAlb and authenticate', async () => {
    const rs = createLambdaResourceServer<MyClaims>({ resolver: issuer.resolver });
    expectTypeOf(rs).toEqualTypeOf<LambdaResourceServer<MyClaims>>();
    const handler = rs.protect(async (_event: APIGatewayProxyEventV2, _context, oauth2) => {
      expectTypeOf(oauth2).toEqualTypeOf<RsContext<MyClaims>>();
      return { statusCode: 200, body: JSON.stringify({ tenant: oauth2.claims.tenant }) };
    });
    rs.protectOptional(async (_event, _context, oauth2) => {
      expectTypeOf(oauth2).toEqualTypeOf<RsContext<MyClaims> | undefined>();
      return { statusCode: 200, body: oauth2?.claims.tenant ?? '' };
    });
    rs.protectAlb(async (_event, _context, oauth2) => {
      expectTypeOf(oauth2.claims.tenant).toEqualTypeOf<string>();
      return { statusCode: 200 };
    });
    const token = await issuer.mint({ tenant: 'acme' });
    const event = httpApiEvent({
      method: 'GET',
      target: '/t',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(jsonBody(httpApiResponse(await handler(event, lambdaContext())))).toEqual({ tenant: 'acme' });
    const result = await rs.authenticate(event);
    if (result.ok) expectTypeOf(result.context.claims.tenant).toEqualTypeOf<string>();
  });

  it('defaults to a record of unknown claims', () => {
    expectTypeOf<ReturnType<typeof createLambdaResourceServer>>().toEqualTypeOf<LambdaResourceServer>();
    expectTypeOf<Parameters<Parameters<LambdaResourceServer['protect']>[0]>[2]['claims']>().toEqualTypeOf<
      Readonly<Record<string, unknown>>
    >();
  });
});
