import type { FailureResponses } from '@rs/core';
import { configRefusal, type TestIssuer, testIssuer } from '@rs/testkit';
import express from 'express';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

/** An app whose one route is protected with these failure answers, on real HTTP. */
async function served(failureResponses: FailureResponses): Promise<string> {
  const app = express();
  const { protect } = createExpressResourceServer(fixture.options({ failureResponses }));
  app.get('/items', protect(), (_req, res) => {
    res.json({ ok: true });
  });
  return (await serve(app)).url;
}

/** A refused request over real HTTP, given up after two seconds rather than left hanging. */
async function refused(url: string) {
  const response = await fetch(`${url}/items`, {
    headers: { authorization: 'Bearer a.b.c' },
    signal: AbortSignal.timeout(2000),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('failure answers and the headers HTTP frames a response with', () => {
  it('refuses a configured content-length when the middleware is built: every refused client would hang', () => {
    const failureResponses = { invalidToken: { headers: { 'content-length': '100000' } } };
    expect(
      configRefusal(() => createExpressResourceServer(fixture.options({ failureResponses }))).option,
    ).toBe('failureResponses.invalidToken.headers.content-length');
  });

  it("sends core's whole refusal when a computed answer sets content-length, and reports the bug", async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const url = await served({ invalidToken: () => ({ headers: { 'content-length': '100000' } }) });
    const answer = await refused(url);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(answer.headers.get('content-length')).not.toBe('100000');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'token_malformed' });
    expect(reported).toHaveBeenCalledWith(expect.stringContaining('headers.content-length'));
  });

  it("sends core's refusal, not a 500, when a computed answer returns a promise", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const later = () => Promise.resolve({ status: 418 });
    const answer = await refused(await served({ invalidToken: later as never }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'token_malformed' });
  });
});
