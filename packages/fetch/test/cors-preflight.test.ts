import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, expect, it, vi } from 'vitest';
import { createFetchResourceServer, type ProtectedFetchHandler } from '../src/index.js';

// A browser sends a CORS preflight (OPTIONS, with `Origin` and `Access-Control-Request-Method`) without
// the Authorization header. `protect` decides every request it is given, OPTIONS included: the CORS
// wrapper around it answers the preflight, and adds its headers to every answer, refusals included.
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const ORIGIN = 'https://app.example.test';
const PREFLIGHT = {
  origin: ORIGIN,
  'access-control-request-method': 'GET',
  'access-control-request-headers': 'authorization',
};

/** The wrapper the README shows: preflights answered before `protect`, CORS headers on every answer. */
function withCors(handler: (request: Request) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': ORIGIN,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'authorization, dpop',
          vary: 'Origin',
        },
      });
    }
    const response = await handler(request);
    response.headers.set('access-control-allow-origin', ORIGIN);
    response.headers.set('access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce');
    response.headers.append('vary', 'Origin');
    return response;
  };
}

it('lets a CORS wrapper answer the preflight and add its headers to the refusal, which stays a 401', async () => {
  const handler = vi.fn<ProtectedFetchHandler>(() => Response.json([]));
  const rs = createFetchResourceServer({ resolver: issuer.resolver });
  const app = withCors(rs.protect(handler));

  const preflight = await app(
    new Request('http://localhost/items', { method: 'OPTIONS', headers: PREFLIGHT }),
  );
  expect(preflight.status).toBe(204);

  const refused = await app(new Request('http://localhost/items', { headers: { origin: ORIGIN } }));
  expect(refused.status).toBe(401);
  expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(handler).not.toHaveBeenCalled();

  const accepted = await app(
    new Request('http://localhost/items', {
      headers: { origin: ORIGIN, authorization: `Bearer ${await issuer.mint({})}` },
    }),
  );
  expect(accepted.status).toBe(200);
  expect(accepted.headers.get('access-control-allow-origin')).toBe(ORIGIN);
});

it('decides an OPTIONS request given to protect itself, preflight or not', async () => {
  const handler = vi.fn<ProtectedFetchHandler>(() => new Response(null, { status: 204 }));
  const protectedHandler = createFetchResourceServer({ resolver: issuer.resolver }).protect(handler);
  for (const headers of [PREFLIGHT, {}]) {
    const answer = await protectedHandler(
      new Request('http://localhost/items', { method: 'OPTIONS', headers }),
    );
    expect(answer.status).toBe(401);
  }
  expect(handler).not.toHaveBeenCalled();
});
