import { request as httpRequest } from 'node:http';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let authorization: string;
beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint({ sub: 'alice' })}`;
});
afterEach(closeAll);

/** A GET whose request-target is in absolute-form (`GET http://host/path`), as proxies send it. */
function getAbsolute(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const target = new URL(path, base);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: target.hostname, port: target.port, method: 'GET', path: target.href, headers },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('accepts a request-target in absolute-form (RFC 9112 §3.2.2), as the origin-form', async () => {
    const app = express();
    const rs = createExpressResourceServer(fixture.options());
    app.get('/items', rs.protect(), (req: Request, res: Response) => {
      res.json({ subject: rs.contextOf(req)?.subject });
    });
    const { url } = await serve(app);
    expect(await getAbsolute(url, '/items', { authorization })).toBe(200);
    expect(await getAbsolute(url, '/items', {})).toBe(401);
  });
});
