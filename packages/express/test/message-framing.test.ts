import { request as httpRequest } from 'node:http';
import { createResourceServer } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer, protectedResourceMetadataRoute } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// Fastify sends core's refusal with a Content-Length. Express must too:
// written after `writeHead`, the body went out chunked, and a HEAD answer carried no length at all, so
// the same refusal differed by adapter.
let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});
afterEach(closeAll);

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** Sends with `node:http`, which shows the framing headers as they arrived. */
function sendRaw(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const target = new URL(path, baseUrl);
    const sent = httpRequest(target, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('sends a refusal with the Content-Length of its body, never chunked, on GET and HEAD', async () => {
    const { protect } = createExpressResourceServer(fixture.options());
    const app = express();
    app.get('/items', protect(), (_req, res) => {
      res.json([]);
    });
    const { url } = await serve(app);
    const expired = await fixture.mint({ exp: Math.floor(Date.now() / 1000) - 600 });

    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${expired}` },
      { authorization: 'Bearer !!' },
    ];
    for (const headers of attempts) {
      const answer = await sendRaw(url, 'GET', '/items', headers);
      expect([400, 401]).toContain(answer.status);
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['content-length']).toBe(String(answer.body.length));

      const head = await sendRaw(url, 'HEAD', '/items', headers);
      expect(head.status).toBe(answer.status);
      expect(head.body.length).toBe(0);
      expect(head.headers['transfer-encoding']).toBeUndefined();
      expect(head.headers['content-length']).toBe(String(answer.body.length));
      expect(head.headers['www-authenticate']).toBe(answer.headers['www-authenticate']);
    }
  });

  it('sends the metadata document with its Content-Length', async () => {
    const resourceServer = createResourceServer(
      fixture.options({ protectedResource: { resource: 'https://api.example.test' } }),
    );
    const metadata = protectedResourceMetadataRoute(resourceServer);
    const app = express();
    app.get(metadata.path, metadata.handler);
    const { url } = await serve(app);

    const answer = await sendRaw(url, 'GET', metadata.path);
    expect(answer.status).toBe(200);
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(answer.body.length));
  });
});
