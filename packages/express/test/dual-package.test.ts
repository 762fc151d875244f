// The dual-package hazard: an application whose error middleware imports RsRejectionError from one copy
// of @rs/express (the ESM build), and whose middleware comes from another (the CommonJS build, through a
// shared CommonJS "auth" package). The README's error middleware (`if (!(err instanceof
// RsRejectionError)) return next(err)`) passed every refusal on to Express's default handler: an HTML
// page and a dump of the error on stderr for every refused request. Here the second copy is a second
// module instance of the sources, as a second build is.
import { createRequire } from 'node:module';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RsRejectionError } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

type Express = typeof import('../src/index.js');
type Core = typeof import('@rs/core');

let fixture: TestIssuer;
let other: Express;
let cjsCore: Core;
beforeAll(async () => {
  fixture = await testIssuer();
  vi.resetModules();
  other = (await import('../src/index.js')) as Express;
  // @rs/core as `require()` loads it: its CommonJS build, beside the ESM one the sources import.
  cjsCore = createRequire(import.meta.url)('@rs/core') as Core;
});
afterEach(closeAll);

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it("the README's error middleware handles refusals of another copy's middleware", async () => {
    expect(other.RsRejectionError).not.toBe(RsRejectionError);
    const app = express();
    const protect = other.rsExpress({ ...fixture.options(), onRejection: 'next' });
    app.get('/items', protect({ scopes: ['read'] }), (_req: Request, res: Response) => res.json({}));
    const seen: unknown[] = [];
    app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
      seen.push(err);
      if (!(err instanceof RsRejectionError)) return next(err);
      res
        .status(err.status)
        .set(err.headers)
        .json({ custom: true, ...err.rejection.body });
    });
    const { url } = await serve(app);

    const response = await sendHttp(url, { method: 'GET', path: '/items' });
    expect(response).toMatchObject({ status: 401, body: { custom: true, code: 'token_missing' } });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="test"');
    expect(seen[0]).toBeInstanceOf(other.RsRejectionError);
    // Every build's base class: the CommonJS core's RsError too, but not its RsConfigError.
    expect(seen[0]).toBeInstanceOf(cjsCore.RsError);
    expect(seen[0]).not.toBeInstanceOf(cjsCore.RsConfigError);
  });
});

describe('instanceof RsRejectionError across copies', () => {
  it('holds for refusals of either copy, and for no other RsError', () => {
    const error = new cjsCore.RsError('ERR_RS_HTTP_TIMEOUT', 'timed out');
    expect(error).not.toBeInstanceOf(RsRejectionError);
    expect(error).not.toBeInstanceOf(other.RsRejectionError);
    class AppRejection extends RsRejectionError {}
    const rejection = new AppRejection({
      status: 401,
      code: 'token_missing',
      error: undefined,
      description: 'No access token in the request',
      wwwAuthenticate: 'Bearer',
      challenges: ['Bearer'],
      headers: {},
      body: { error_description: 'No access token in the request', code: 'token_missing' },
    }) as unknown as RsRejectionError;
    expect(rejection).toBeInstanceOf(other.RsRejectionError);
    // A subclass an application writes is checked as JavaScript checks it.
    expect(new other.RsRejectionError(rejection.rejection)).not.toBeInstanceOf(AppRejection);
  });
});
