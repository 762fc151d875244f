import { getInAbsoluteForm, type TestIssuer, testIssuer } from '@rs/testkit';
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

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('accepts a request-target in absolute-form (RFC 9112 §3.2.2), as the origin-form', async () => {
    const app = express();
    const rs = createExpressResourceServer(fixture.options());
    app.get('/items', rs.protect(), (req: Request, res: Response) => {
      res.json({ subject: rs.contextOf(req)?.subject });
    });
    const { url } = await serve(app);
    expect(await getInAbsoluteForm(url, '/items', { authorization })).toBe(200);
    expect(await getInAbsoluteForm(url, '/items', {})).toBe(401);
  });
});
