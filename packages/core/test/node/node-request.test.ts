import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRequestHeaders } from '../../src/node/index.js';
import type { RsHeaders } from '../../src/request.js';
import { singleHeader } from '../../src/request.js';

// Real requests on loopback, written byte for byte so that a field can be sent twice.
let server: Server;
let port: number;
let seen: RsHeaders | undefined;
// What a hook or middleware running before us does to the request, if anything.
let before: ((req: IncomingMessage) => void) | undefined;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    before?.(req);
    seen = nodeRequestHeaders(req);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(fieldLines: readonly string[]): Promise<RsHeaders> {
  seen = undefined;
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n${fieldLines.map((line) => `${line}\r\n`).join('')}connection: close\r\n\r\n`,
  );
  await new Promise((resolve) => socket.on('close', resolve).resume());
  if (seen === undefined) throw new Error('the server saw no request');
  return seen;
}

describe('nodeRequestHeaders', () => {
  it('gives each field once when no name came twice', async () => {
    const headers = await send(['Authorization: Bearer abc', 'X-Token: t1']);
    expect(singleHeader(headers, 'authorization')).toBe('Bearer abc');
    expect(singleHeader(headers, 'x-token')).toBe('t1');
  });

  it.each([
    ['Authorization: Bearer a', 'Authorization: Bearer b'],
    ['Authorization: Bearer a', 'authorization: Bearer b'],
    ['X-Token: t1', 'X-Token: t2'],
  ])('keeps a repeated field apart (%s, %s), so that core can refuse it', async (first, second) => {
    const headers = await send([first, second]);
    const name = first.slice(0, first.indexOf(':')).toLowerCase();
    expect(singleHeader(headers, name)).toBeNull();
    expect(headers[name]).toEqual([
      first.slice(first.indexOf(' ') + 1),
      second.slice(second.indexOf(' ') + 1),
    ]);
  });

  it('keeps a repeated Authorization apart when a middleware added a header before us', async () => {
    before = (req) => {
      req.headers['x-request-id'] = 'generated';
    };
    try {
      const headers = await send(['Authorization: Bearer a', 'Authorization: Basic eA==']);
      expect(singleHeader(headers, 'authorization')).toBeNull();
    } finally {
      before = undefined;
    }
  });

  it('takes the distinct view for a request of very many field lines', async () => {
    const lines = Array.from({ length: 70 }, (_, i) => `X-Filler-${i}: ${i}`);
    const headers = await send([...lines, 'Authorization: Bearer a', 'Authorization: Bearer b']);
    expect(singleHeader(headers, 'authorization')).toBeNull();
    expect(singleHeader(headers, 'x-filler-3')).toBe('3');
  });
});
