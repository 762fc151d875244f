// The RsRequest of the Express and Fastify adapters reads method and headers at once and everything else
// when core asks, once. Real requests on loopback (plain HTTP, then TLS with a client certificate).
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2';
import { createServer as createTlsServer, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { createTestPki } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { requestUrl } from '../../src/adapter/index.js';
import { NodeFrameworkRequest } from '../../src/node/index.js';

/** A framework request in its simplest form: the Node request, the URL built from its Host. */
class CountingRequest extends NodeFrameworkRequest {
  readonly reads = { url: 0, body: 0, socket: 0 };
  readonly #req: IncomingMessage;
  readonly #body: unknown;

  constructor(req: IncomingMessage, body?: unknown) {
    super(req.method ?? 'GET', req);
    this.#req = req;
    this.#body = body;
  }

  protected readUrl(): string {
    this.reads.url++;
    return requestUrl(undefined, 'http', this.#req.headers.host, this.#req.url ?? '/');
  }

  protected readBody(): unknown {
    this.reads.body++;
    return this.#body;
  }

  protected readSocket(): Socket | undefined {
    this.reads.socket++;
    return this.#req.socket;
  }
}

/** Serves one request, building a CountingRequest for it; returns what `inspect` made of it. */
async function onePlainRequest<T>(inspect: (request: CountingRequest) => T): Promise<T> {
  let result: T | undefined;
  const server = createServer((req, res) => {
    result = inspect(new CountingRequest(req, { access_token: 'abc' }));
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/items?x=1`, {
      headers: { authorization: 'Bearer abc' },
    });
    await response.text();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return result as T;
}

describe('NodeFrameworkRequest', () => {
  it('reads method and headers at once and nothing else until asked', async () => {
    const reads = await onePlainRequest((request) => {
      expect(request.method).toBe('GET');
      expect(request.headers.authorization).toBe('Bearer abc');
      return { ...request.reads };
    });
    expect(reads).toEqual({ url: 0, body: 0, socket: 0 });
  });

  it('reads the URL once, however often core asks', async () => {
    const seen = await onePlainRequest((request) => {
      const urls = [request.url, request.url, request.url];
      return { urls, reads: { ...request.reads } };
    });
    expect(seen.urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/items\?x=1$/);
    expect(new Set(seen.urls).size).toBe(1);
    expect(seen.reads).toEqual({ url: 1, body: 0, socket: 0 });
  });

  it('gives the socket peer, the parsed form body, and no certificate on a plain connection', async () => {
    const seen = await onePlainRequest((request) => ({
      peer: request.peerAddress,
      form: request.form,
      certificate: request.clientCertificate,
      again: request.clientCertificate,
      reads: { ...request.reads },
    }));
    expect(seen.peer).toBe('127.0.0.1');
    expect(seen.form).toEqual({ access_token: 'abc' });
    expect(seen.certificate).toBeUndefined();
    expect(seen.again).toBeUndefined();
    // The peer asked once, the certificate once (remembered, even when there is none).
    expect(seen.reads.socket).toBe(2);
  });

  it('says the connection is loopback from the socket, whatever the Host header names', async () => {
    const seen = await onePlainRequest((request) => request.loopbackConnection);
    expect(seen).toBe(true);
    // A server reached on another interface cannot be set up here (loopback only): the sockets below
    // stand in for the addresses such a connection reports, the one thing the getter reads.
    const at = (localAddress: string | undefined) =>
      new (class extends CountingRequest {
        protected override readSocket(): Socket | undefined {
          return { localAddress } as Socket;
        }
      })({
        method: 'GET',
        headers: { host: 'localhost' },
        rawHeaders: ['Host', 'localhost'],
      } as IncomingMessage).loopbackConnection;
    expect(at('10.0.0.5')).toBe(false);
    expect(at('2001:db8::1')).toBe(false);
    expect(at('::ffff:127.0.0.1')).toBe(true);
    expect(at('::1')).toBe(true);
    expect(at('127.0.0.53')).toBe(true);
    // Gone once the client left, or a Unix socket: not known to be local, so not loopback.
    expect(at(undefined)).toBe(false);
  });

  it("gives the certificate the client presented on this server's TLS connection, read once", async () => {
    const pki = createTestPki();
    let seen: { certificate: Uint8Array | undefined; again: Uint8Array | undefined; socketReads: number };
    const server = createTlsServer(
      {
        key: pki.server.keyPem,
        cert: pki.server.pem,
        ca: pki.ca.pem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const request = new CountingRequest(req);
        seen = {
          certificate: request.clientCertificate,
          again: request.clientCertificate,
          socketReads: request.reads.socket,
        };
        res.end('ok');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await new Promise<void>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            ca: pki.ca.pem,
            key: pki.client.keyPem,
            cert: pki.client.pem,
            servername: 'localhost',
          },
          (res) => res.resume().on('end', resolve),
        );
        req.on('error', reject).end();
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      pki.cleanup();
    }
    expect(Buffer.from(seen!.certificate!).equals(pki.client.der)).toBe(true);
    expect(seen!.again).toBe(seen!.certificate);
    expect(seen!.socketReads).toBe(1);
  });
});

/**
 * Serves one request sent with `node:http` (its headers, then `body` if given, chunked when no
 * Content-Length is set), building a CountingRequest whose framework "parsed" the body into `parsed`;
 * answers what `formUnexamined` said.
 */
async function formUnexaminedOf(
  parsed: unknown,
  send: { method: string; headers: Record<string, string>; body?: string },
): Promise<string | undefined> {
  let seen: string | undefined;
  const server = createServer((req, res) => {
    seen = new CountingRequest(req, parsed).formUnexamined;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/items', method: send.method, headers: send.headers, agent: false },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject).end(send.body);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return seen;
}

// With form-body tokens on, core asks `formUnexamined` of a POST, PUT or PATCH form: a body the framework
// did not parse (no parser, one mounted after, one that left text or bytes) may hold a token, and is not
// decided as if it held none.
describe('NodeFrameworkRequest.formUnexamined', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = 'access_token=abc';

  it('is unreadable when the request has a body the framework did not parse into a record', async () => {
    for (const parsed of [undefined, body, Buffer.from(body), new TextEncoder().encode(body)]) {
      const sized = { ...FORM, 'content-length': String(body.length) };
      expect(await formUnexaminedOf(parsed, { method: 'POST', headers: sized, body })).toBe('unreadable');
      // Chunked: a body without a Content-Length.
      expect(await formUnexaminedOf(parsed, { method: 'POST', headers: FORM, body })).toBe('unreadable');
    }
  });

  it('is nothing when the framework parsed the body, or the request has none', async () => {
    const sized = { ...FORM, 'content-length': String(body.length) };
    expect(await formUnexaminedOf({ access_token: 'abc' }, { method: 'POST', headers: sized, body })).toBe(
      undefined,
    );
    const empty = { ...FORM, 'content-length': '0' };
    expect(await formUnexaminedOf(undefined, { method: 'POST', headers: empty })).toBeUndefined();
    // HTTP/1.1 without Content-Length or Transfer-Encoding: no body (RFC 9112 §6.3).
    expect(await formUnexaminedOf(undefined, { method: 'GET', headers: FORM })).toBeUndefined();
  });

  it('is unreadable over HTTP/2 for a body without a Content-Length the framework did not parse', async () => {
    const seen: (string | undefined)[] = [];
    const server = createHttp2Server((req, res) => {
      seen.push(new CountingRequest(req as unknown as IncomingMessage).formUnexamined);
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = http2Connect(`http://127.0.0.1:${port}`);
    try {
      for (const [headers, sent] of [
        [FORM, body],
        [{ ...FORM, 'content-length': '0' }, undefined],
      ] as const) {
        await new Promise<void>((resolve, reject) => {
          const stream = client.request({ ':method': 'POST', ':path': '/items', ...headers });
          stream.on('error', reject).on('end', resolve).resume();
          stream.end(sent);
        });
      }
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(seen).toEqual(['unreadable', undefined]);
  });
});
