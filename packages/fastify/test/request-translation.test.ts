import { createResourceServer } from '@rs/core';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let authorization: string;
beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint()}`;
});
afterEach(closeAll);

const ok = async () => ({ ok: true });

describe('the request core sees', () => {
  it('has the method, absolute URL with query, headers and the socket peer address', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/items', ok);
    const baseUrl = await serve(app);

    await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items?page=2&sort=name',
      headers: { authorization, 'x-extra': 'y' },
    });
    const seen = fixture.seen.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe(`${baseUrl}/items?page=2&sort=name`);
    // One field line: the value alone or in a list of one; both are core's RsHeaders.
    expect([seen.headers['x-extra']].flat()).toEqual(['y']);
    expect(seen.peerAddress).toBe('127.0.0.1');
  });

  it("follows trustProxy for the scheme and host, but keeps the socket's peer address", async () => {
    const app = Fastify({ trustProxy: true });
    await app.register(rsFastify, fixture.options({ requireHttps: true }));
    app.get('/items', ok);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items?x=1',
      headers: {
        authorization,
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
        'x-forwarded-for': '203.0.113.9',
      },
    });
    expect(response.status).toBe(200);
    expect(fixture.seen.at(-1)).toMatchObject({
      url: 'https://api.example.com/items?x=1',
      peerAddress: '127.0.0.1',
    });
  });

  it('ignores forwarded headers without trustProxy', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options({ requireHttps: true }));
    app.get('/items', ok);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: { authorization, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' },
    });
    // Core sees plain http to the socket's host (accepted only because it is loopback, as for local
    // development), not the forwarded https URL.
    expect(response.status).toBe(200);
    expect(fixture.seen.at(-1)?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/items$/);
  });

  it('uses the publicUrl option as the base of the URL, keeping path and query', async () => {
    const app = Fastify();
    await app.register(rsFastify, {
      ...fixture.options({ requireHttps: true }),
      publicUrl: 'https://api.example.com/v1/',
    });
    app.get('/items', ok);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items?x=1',
      headers: { authorization },
    });
    expect(response.status).toBe(200);
    expect(fixture.seen.at(-1)?.url).toBe('https://api.example.com/v1/items?x=1');
  });

  it('accepts a prebuilt resource server', async () => {
    const resourceServer = createResourceServer(fixture.options({ policy: { scopes: ['admin'] } }));
    const app = Fastify();
    await app.register(rsFastify, { resourceServer });
    app.get('/items', ok);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, { method: 'GET', path: '/items', headers: { authorization } });
    expect(response.status).toBe(403);
  });
});

describe('the response to a rejection', () => {
  it("is exactly core's status, headers and JSON body", async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/items', ok);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: { authorization: 'Bearer a b' },
    });
    const expected = await createResourceServer(fixture.options()).authenticate({
      method: 'GET',
      url: `${baseUrl}/items`,
      headers: { authorization: 'Bearer a b' },
    });
    if (expected.ok) throw new Error('expected a rejection');
    expect(response.status).toBe(expected.rejection.status);
    expect(response.headers).toMatchObject(expected.rejection.headers);
    expect(response.body).toEqual(expected.rejection.body);
  });
});
