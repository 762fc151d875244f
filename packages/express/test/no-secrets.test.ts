import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { introspectionResolver } from '@rs/core';
import { undiciHttpClient } from '@rs/core/node';
import { sendHttp } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// An introspection endpoint that cannot be understood: it answers each request with a status line that
// does not parse, followed by the whole request it was sent (its Basic credentials, its form with the
// token). The refusal handed to `next(err)`, the errors handed to `onError`, and whatever Express or the
// middleware write to the console must hold none of it.
const CLIENT_SECRET = 'client-secret-canary-e7a1';

let endpoint: Server;
let endpointUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  endpoint = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headersEnd = received.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(received)?.[1] ?? 0);
      if (headersEnd >= 0 && received.length >= headersEnd + 4 + length)
        socket.end(`HTTP/1.1 2x0 ${received.replace(/\r?\n/g, ' ')}\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/introspect`;
});
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => endpoint.close(resolve));
});

function leaked(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) =>
    [secret, Buffer.from(secret).toString('base64url'), Buffer.from(`rs:${secret}`).toString('base64')].some(
      (spelling) => text.includes(spelling),
    ),
  );
}

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it.each([
    ['the default HTTP client', undefined],
    ['undiciHttpClient', 'undici'],
  ] as const)(
    'what reaches next(err), onError and the console through %s holds no secret',
    async (_, client) => {
      const printed: unknown[] = [];
      for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(...args));
      const httpClient = client === 'undici' ? undiciHttpClient() : undefined;
      const app = express();
      app.set('env', 'development');
      app.get(
        '/items',
        rsExpress({
          resolver: introspectionResolver({
            endpoint: endpointUrl,
            clientAuthentication: {
              method: 'client_secret_basic',
              clientId: 'rs',
              clientSecret: CLIENT_SECRET,
            },
            acceptAnyAudience: true,
            retries: 0,
            httpClient,
            onError: (error) => void printed.push(error),
          }),
          requireHttps: false,
          onRejection: 'next',
        })(),
        (_req, res) => {
          res.json({ ok: true });
        },
      );
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        printed.push(err);
        res.status(503).json({ seen: true });
      });
      const { url } = await serve(app);
      const tokens = [
        `opaque-token-canary-${crypto.randomUUID()}`,
        `opaque-token-canary-${crypto.randomUUID()}`,
      ];
      for (const token of tokens) {
        const response = await sendHttp(url, {
          method: 'GET',
          path: '/items',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(503);
      }
      await httpClient?.close();
      expect(printed.some((item) => item instanceof Error && item.name === 'IntrospectionError')).toBe(true);
      const text = printed
        .map(
          (item) => `${inspect(item, { depth: 10, showHidden: true, getters: true })}${JSON.stringify(item)}`,
        )
        .join('\n');
      expect(leaked(text, [CLIENT_SECRET, ...tokens])).toEqual([]);
    },
  );
});
