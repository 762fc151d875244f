import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// A common mistake: `onRejection: 'next'` without error middleware. Express's default handler would log
// each refusal's stack trace and, outside production, send it with its file paths to the client. The
// apps run in `development`, the default outside tests, where Express does both.
let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

const PATHS = /\/[\w.-]+\/|\bat\s|\.ts\b|\.js\b|node_modules/;

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it("onRejection: 'next' without error middleware: no stack trace, no file path, no log line", async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = express();
    app.set('env', 'development');
    const router = express.Router();
    router.get('/items', rsExpress({ ...fixture.options(), onRejection: 'next' })(), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(router);
    const { url } = await serve(app);

    const expired = await fixture.mint({ exp: Math.floor(Date.now() / 1000) - 600 });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${expired}` },
      { authorization: 'Bearer !!' },
    ];
    for (const headers of attempts) {
      const response = await sendHttp(url, { method: 'GET', path: '/items', headers });
      expect([400, 401]).toContain(response.status);
      expect(JSON.stringify(response.body)).not.toMatch(PATHS);
      expect(response.body).toHaveProperty('code');
    }
    expect(logged).not.toHaveBeenCalled();
  });

  it('an error middleware that passes the rejection on still leaks no file path', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = express();
    app.set('env', 'development');
    app.get('/items', rsExpress({ ...fixture.options(), onRejection: 'next' })(), (_req, res) => {
      res.json({ ok: true });
    });
    app.use((err: unknown, _req: Request, _res: Response, next: NextFunction) => next(err));
    const { url } = await serve(app);

    const response = await sendHttp(url, { method: 'GET', path: '/items' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="test"');
    // Express's default handler shows the error's stack outside production: it is one line.
    expect(String(response.body)).toContain('RsRejectionError: No access token in the request');
    expect(String(response.body)).not.toMatch(PATHS);
    // The app chose to hand it to Express's handler, which logs it (after answering).
    await vi.waitFor(() => expect(logged).toHaveBeenCalledTimes(1));
  });
});
