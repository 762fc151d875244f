import type { AccessPolicy } from '@rs/core';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

// A route without a policy of its own (no `config.rs`, `rs: true`, `rs: 'optional'`) calls core without
// one: core refuses a route policy given as `undefined` (a misspelt or unloaded one), so the hook must
// not pass one.

let fixture: TestIssuer;
let authorization: string;
const policies: Record<string, AccessPolicy> = { admin: { scopes: ['admin'] } };

beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint({ sub: 'bob', scope: 'read' })}`;
});
afterEach(closeAll);

const subjectOrNull = async (request: { oauth2: { subject: string | undefined } | null }) => ({
  subject: request.oauth2?.subject ?? null,
});

describe('routes without a policy of their own', () => {
  it('are decided by the server-wide policy alone, required or optional; a route policy still applies', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/plain', subjectOrNull);
    app.get('/declared', { config: { rs: true } }, subjectOrNull);
    app.get('/feed', { config: { rs: 'optional' } }, subjectOrNull);
    app.get('/admin', { config: { rs: policies['admin']! } }, subjectOrNull);
    const baseUrl = await serve(app);
    const get = (path: string, headers: Record<string, string> = {}) =>
      sendHttp(baseUrl, { method: 'GET', path, headers });

    for (const path of ['/plain', '/declared']) {
      expect(await get(path, { authorization })).toMatchObject({ status: 200, body: { subject: 'bob' } });
      expect((await get(path)).status).toBe(401);
    }
    expect(await get('/feed')).toMatchObject({ status: 200, body: { subject: null } });
    expect(await get('/feed', { authorization })).toMatchObject({ status: 200, body: { subject: 'bob' } });
    expect((await get('/admin', { authorization })).status).toBe(403);
  });
});
