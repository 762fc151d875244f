import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { closedPort } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient, type HttpClient, HttpClientError, type HttpRequest } from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';

// A full garbage collection on demand, without starting the test runner with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A loopback server with one route per behaviour, counting hits per path. */
let server: Server;
let base: string;
const hits = new Map<string, number>();
const timers = new Set<NodeJS.Timeout>();

const BODY_2000 = 'x'.repeat(2000);

function later(ms: number, action: () => void): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    action();
  }, ms);
  timers.add(timer);
}

function route(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  switch (path) {
    case '/ok':
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] })
        .end('{"ok":true}');
      return;
    case '/echo': {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            method: request.method,
            body: Buffer.concat(chunks).toString(),
            contentType: request.headers['content-type'],
            accept: request.headers.accept,
          }),
        );
      });
      return;
    }
    case '/empty':
      response.writeHead(204).end();
      return;
    case '/gzip-anyway':
      // A server (or a CDN before it) that encodes whatever the client asked.
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .end(gzipSync('{"keys":[]}'));
      return;
    case '/gzip-twice':
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' })
        .end(gzipSync(gzipSync('{"keys":[]}')));
      return;
    case '/gzip-empty-401':
      // An error answer that says gzip and holds nothing: its status is what the caller reads.
      response.writeHead(401, { 'content-encoding': 'gzip', 'www-authenticate': 'Basic' }).end();
      return;
    case '/unknown-coding-500':
      response.writeHead(500, { 'content-encoding': 'zstd' }).end('oops');
      return;
    case '/gzip-bomb':
      // 1 MiB of zeros in about a kilobyte: what it inflates to is what counts against the limit.
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .end(gzipSync(Buffer.alloc(1024 * 1024)));
      return;
    case '/encoded': {
      // RFC 9110 §12.5.3: without Accept-Encoding any coding is acceptable, so a server may gzip; only
      // `identity` (or a list without gzip) rules it out. Many servers and CDNs gzip JSON this way.
      const accepted = request.headers['accept-encoding'];
      const body = '{"keys":[]}';
      if (accepted === undefined || /\bgzip\b/.test(accepted)) {
        response
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync(body));
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }
      return;
    }
    case '/exact':
      response.writeHead(200, { 'content-length': String(BODY_2000.length) }).end(BODY_2000);
      return;
    case '/big-declared':
      response.writeHead(200, { 'content-length': String(BODY_2000.length) }).end(BODY_2000);
      return;
    case '/big-chunked': {
      // No content-length: the size is only discovered while reading.
      response.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const pump = () => {
        if (sent >= 10) {
          response.end();
          return;
        }
        sent++;
        response.write('y'.repeat(500));
        later(5, pump);
      };
      pump();
      return;
    }
    case '/slow-headers':
      later(3_000, () => response.writeHead(200).end('late'));
      return;
    case '/slow-body':
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('start');
      later(3_000, () => response.end('end'));
      return;
    case '/redirect':
      response.writeHead(302, { location: `${base}/ok` }).end();
      return;
    case '/permanent-redirect':
      response.writeHead(308, { location: `${base}/ok` }).end();
      return;
    default:
      response.writeHead(404).end('not found');
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

const undici = undiciHttpClient({ connections: 4, keepAliveTimeout: 1_000 });

afterAll(async () => {
  for (const timer of timers) clearTimeout(timer);
  await undici.close();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
});

function get(path: string, overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url: `${base}${path}`, timeoutMs: 2_000, maxResponseBytes: 1_000, ...overrides };
}

async function failure(client: HttpClient, request: HttpRequest): Promise<HttpClientError> {
  try {
    await client.send(request);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpClientError);
    return error as HttpClientError;
  }
  throw new Error('expected the request to fail');
}

const clients: [string, HttpClient][] = [
  ['fetchHttpClient', fetchHttpClient()],
  ['undiciHttpClient', undici],
];

describe.each(clients)('%s', (_name, client) => {
  it('returns status, headers and the whole body', async () => {
    const response = await client.send(get('/ok'));
    expect(response.status).toBe(200);
    expect(response.header('content-type')).toBe('application/json');
    expect(response.header('x-multi')).toBe('a, b');
    expect(response.header('x-absent')).toBeUndefined();
    expect(new TextDecoder().decode(response.body)).toBe('{"ok":true}');
  });

  it('hands over the body as the server meant it, from a server that compresses what it may', async () => {
    // The same JWK set or introspection answer must read the same whichever client is installed: fetch
    // asks for gzip and inflates it; undici asks for none.
    const response = await client.send(get('/encoded'));
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body)).toBe('{"keys":[]}');
  });

  it('inflates a body the server encoded though it was not asked to, within the byte limit', async () => {
    const response = await client.send(get('/gzip-anyway'));
    expect(new TextDecoder().decode(response.body)).toBe('{"keys":[]}');
    expect(new TextDecoder().decode((await client.send(get('/gzip-twice'))).body)).toBe('{"keys":[]}');
    expect((await client.send(get('/gzip-empty-401'))).status).toBe(401);
    expect((await client.send(get('/unknown-coding-500'))).status).toBe(500);
    await expect(client.send({ ...get('/gzip-bomb'), maxResponseBytes: 64 * 1024 })).rejects.toMatchObject({
      code: 'ERR_RS_HTTP_TOO_LARGE',
    });
  });

  it('sends method, headers and body', async () => {
    const response = await client.send({
      ...get('/echo'),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'token=abc&token_type_hint=access_token',
    });
    expect(response.status).toBe(201);
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({
      method: 'POST',
      body: 'token=abc&token_type_hint=access_token',
      contentType: 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
  });

  it('returns an empty body as zero bytes, and non-2xx statuses as values', async () => {
    const empty = await client.send(get('/empty'));
    expect(empty.status).toBe(204);
    expect(empty.body.byteLength).toBe(0);
    const missing = await client.send(get('/missing'));
    expect(missing.status).toBe(404);
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    const response = await client.send(get('/exact', { maxResponseBytes: 2_000 }));
    expect(response.body.byteLength).toBe(2_000);
  });

  it('refuses a body larger than maxResponseBytes: declared by content-length', async () => {
    const error = await failure(client, get('/big-declared', { maxResponseBytes: 1_999 }));
    expect(error.code).toBe('ERR_RS_HTTP_TOO_LARGE');
    // Let the dropped body settle inside this test: an error it emits must not escape as uncaught.
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it('refuses a body larger than maxResponseBytes: discovered while streaming', async () => {
    const error = await failure(client, get('/big-chunked', { maxResponseBytes: 1_200 }));
    expect(error.code).toBe('ERR_RS_HTTP_TOO_LARGE');
    // The same stream fits a larger limit.
    const whole = await client.send(get('/big-chunked', { maxResponseBytes: 5_000 }));
    expect(whole.body.byteLength).toBe(5_000);
  });

  it('times out waiting for headers', async () => {
    const started = performance.now();
    const error = await failure(client, get('/slow-headers', { timeoutMs: 200 }));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('times out waiting for the rest of the body', async () => {
    const started = performance.now();
    const error = await failure(client, get('/slow-body', { timeoutMs: 200 }));
    expect(error.code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('times out also when garbage is collected while it waits (headers, then body)', async () => {
    // A collection during the wait once dropped the undici client's timeout signal (Node 20's
    // AbortSignal.any holds its sources weakly): the request then waited as long as the server did.
    for (const path of ['/slow-headers', '/slow-body']) {
      const collecting = setInterval(collectGarbage, 10);
      try {
        const error = await failure(client, get(path, { timeoutMs: 200 }));
        expect(error.code).toBe('ERR_RS_HTTP_TIMEOUT');
      } finally {
        clearInterval(collecting);
      }
    }
  });

  it('ends the exchange when the signal it was given aborts, waiting for headers or for the body, with its reason', async () => {
    for (const path of ['/slow-headers', '/slow-body']) {
      const caller = new AbortController();
      const reason = new Error('stopped by the caller');
      later(100, () => caller.abort(reason));
      const started = performance.now();
      // Left alone, both routes answer in full after 3 s, within the 10 s timeout.
      await expect(client.send(get(path, { timeoutMs: 10_000, signal: caller.signal }))).rejects.toBe(reason);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it('rejects at once with the reason of a signal aborted before the request', async () => {
    const caller = new AbortController();
    caller.abort(new Error('stopped before it began'));
    await expect(client.send(get('/slow-headers', { signal: caller.signal }))).rejects.toBe(
      caller.signal.reason,
    );
  });

  it('lets go of the signal once the exchange is over, and still reports its own timeout as such', async () => {
    const caller = new AbortController();
    const response = await client.send(get('/ok', { signal: caller.signal }));
    expect(response.status).toBe(200);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    const error = await failure(client, get('/slow-headers', { timeoutMs: 200, signal: caller.signal }));
    expect(error.code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    caller.abort();
  });

  it('reports a closed port as a network error', async () => {
    const port = await closedPort();
    const error = await failure(client, { ...get('/'), url: `http://127.0.0.1:${port}/jwks` });
    expect(error.code).toBe('ERR_RS_HTTP_NETWORK');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.cause).toBeDefined();
  });

  it('returns a redirect as is, without following it', async () => {
    const before = hits.get('/ok') ?? 0;
    const found = await client.send(get('/redirect'));
    expect(found.status).toBe(302);
    expect(found.header('location')).toBe(`${base}/ok`);
    const permanent = await client.send(get('/permanent-redirect'));
    expect(permanent.status).toBe(308);
    expect(hits.get('/ok') ?? 0).toBe(before);
  });
});
