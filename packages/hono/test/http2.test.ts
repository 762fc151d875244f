// Hono served over cleartext HTTP/2 (h2c) by @hono/node-server: the Fetch `Request` it builds carries the
// client's `:scheme` and `:authority`, and a field sent twice as two field lines. Real server on
// loopback, real tokens and DPoP proofs; field lines written by hand (Node's own client refuses to send a
// second Authorization).
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ResourceServerOptions } from '@rs/core';
import { generateDpopKey, sendRawHttp2, type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createHonoResourceServer, type HonoResourceServerSettings } from '../src/index.js';

const PUBLIC_URL = 'https://api.example.test';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});

const running: Http2Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The app on h2c at a free loopback port, with the statuses it answered, in order. */
async function h2cApp(options: Partial<ResourceServerOptions>, settings: HonoResourceServerSettings = {}) {
  const rs = createHonoResourceServer({ ...fixture.options(options), ...settings });
  const app = new Hono();
  const statuses: number[] = [];
  app.use(async (c, next) => {
    await next();
    statuses.push(c.res.status);
  });
  app.get('/items', rs.protect(), (c) => c.json({ subject: c.var.oauth2?.subject }));
  const server = await new Promise<Http2Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, createServer }, () =>
      resolve(started as Http2Server),
    );
  });
  running.push(server);
  return { port: (server.address() as AddressInfo).port, statuses };
}

const fields = (port: number, scheme = 'http', authority = `127.0.0.1:${port}`): [string, string][] => [
  [':method', 'GET'],
  [':scheme', scheme],
  [':authority', authority],
  [':path', '/items'],
];

it('refuses two Authorization field lines (400), as over HTTP/1.1', async () => {
  const { port, statuses } = await h2cApp({});
  const token = await fixture.mint({ sub: 'alice' });
  await sendRawHttp2(port, [...fields(port), ['authorization', `Bearer ${token}`]]);
  await sendRawHttp2(port, [
    ...fields(port),
    ['authorization', `Bearer ${token}`],
    ['authorization', 'Bearer x'],
  ]);
  await sendRawHttp2(port, [
    ...fields(port),
    ['authorization', `Bearer ${token}`],
    ['authorization', `Bearer ${token}`],
  ]);
  expect(statuses).toEqual([200, 400, 400]);
});

it('with publicUrl, compares htu with it, whatever :scheme and :authority the client wrote', async () => {
  const { port, statuses } = await h2cApp({ dpop: true, requireHttps: true }, { publicUrl: PUBLIC_URL });
  const key = await generateDpopKey();
  const token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
  const send = async (htu: string, scheme: string, authority: string) =>
    sendRawHttp2(port, [
      ...fields(port, scheme, authority),
      ['authorization', `DPoP ${token}`],
      ['dpop', await key.proof('GET', htu, token)],
    ]);
  await send(`${PUBLIC_URL}/items`, 'http', 'elsewhere.example');
  await send(`${PUBLIC_URL}/items`, 'https', `127.0.0.1:${port}`);
  await send('https://elsewhere.example/items', 'https', 'elsewhere.example');
  await send(`https://127.0.0.1:${port}/items`, 'https', `127.0.0.1:${port}`);
  expect(statuses).toEqual([200, 200, 401, 401]);
});
