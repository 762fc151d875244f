import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, expect, it, vi } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import type { ClientRequest } from './support/client-request.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

// A browser sends a CORS preflight (OPTIONS, with `Origin` and `Access-Control-Request-Method`) without
// the Authorization header. `protect` decides every event it is given, OPTIONS included, so preflights are
// for API Gateway to answer (its CORS configuration, or an OPTIONS method without authorization), never
// to be let through to the handler unauthenticated.
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const PREFLIGHT: ClientRequest = {
  method: 'OPTIONS',
  target: '/items',
  headers: {
    origin: 'https://app.example.test',
    'access-control-request-method': 'GET',
    'access-control-request-headers': 'authorization',
  },
};

it.each([
  ['REST API', restApiEvent],
  ['HTTP API', httpApiEvent],
] as const)(
  'refuses a preflight event that reaches it (%s), as any request without a token',
  async (_kind, eventOf) => {
    const handler = vi.fn<ProtectedHandler>(async () => ({ statusCode: 204, body: '' }));
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    for (const request of [PREFLIGHT, { method: 'OPTIONS', target: '/items' }]) {
      const result = await rs.protect(handler)(eventOf(request) as never, lambdaContext());
      expect(result).toMatchObject({ statusCode: 401, headers: { 'www-authenticate': 'Bearer' } });
    }
    expect(handler).not.toHaveBeenCalled();
  },
);
