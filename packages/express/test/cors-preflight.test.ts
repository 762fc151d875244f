import { type TestIssuer, testIssuer } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// A browser sends a CORS preflight (OPTIONS, with `Origin` and `Access-Control-Request-Method`) without
// the Authorization header, before every cross-origin request that carries one. `protect` decides every
// method it is mounted on, OPTIONS included: a CORS middleware mounted before it answers the preflight, and
// the request that follows is still decided.
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});
afterEach(closeAll);

const ORIGIN = 'https://app.example.test';
const PREFLIGHT = {
  origin: ORIGIN,
  'access-control-request-method': 'GET',
  'access-control-request-headers': 'authorization',
};

/**
 * What the `cors` package does with `origin` and `exposedHeaders` set (it is not a dependency here): CORS
 * headers on every answer, and a preflight ended with 204 before the next middleware runs.
 */
function corsMiddleware(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('access-control-allow-origin', ORIGIN);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'WWW-Authenticate');
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  res.setHeader('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '');
  res.statusCode = 204;
  res.setHeader('content-length', '0');
  res.end();
}

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('lets a CORS middleware mounted before protect answer the preflight; the real request is still decided', async () => {
    const rs = createExpressResourceServer({ resolver: issuer.resolver });
    const app = express();
    app.use(corsMiddleware);
    app.use(rs.protect());
    app.get('/items', (_req, res) => {
      res.json([]);
    });
    const { url } = await serve(app);

    const preflight = await fetch(`${url}/items`, { method: 'OPTIONS', headers: PREFLIGHT });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');

    // Written with writeHead, the refusal keeps the headers set before it: the browser lets the client
    // read the 401 and its WWW-Authenticate.
    const refused = await fetch(`${url}/items`, { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);

    const accepted = await fetch(`${url}/items`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${await issuer.mint({})}` },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('decides an OPTIONS request that no CORS middleware answered, as any other method', async () => {
    const rs = createExpressResourceServer({ resolver: issuer.resolver });
    const app = express();
    // Mounted after protect, the CORS middleware never sees the preflight: the order is the application's.
    app.use(rs.protect());
    app.use(corsMiddleware);
    let reached = 0;
    app.all('/items', (_req, res) => {
      reached += 1;
      res.json([]);
    });
    const { url } = await serve(app);
    for (const headers of [PREFLIGHT, {}]) {
      const answer = await fetch(`${url}/items`, { method: 'OPTIONS', headers });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    }
    expect(reached).toBe(0);
  });
});
