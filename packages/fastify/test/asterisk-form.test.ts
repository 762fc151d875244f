// `OPTIONS *` (RFC 9112 §3.2.4) names the server as a whole: its target URI is the scheme and authority
// with an empty path (RFC 9112 §3.3), and a DPoP proof for it carries that as `htu`. The `*` was pasted
// after the host (`https://api.example.test*`), so such a proof was refused and one for that URL of no
// server accepted. Real Fastify servers on loopback, HTTP/1.1 and HTTP/2 (`:path: *`), real proofs.
import { connect as http2Connect } from 'node:http2';
import { type DpopKey, generateDpopKey, sendRawHttp1, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

const PUBLIC_URL = 'https://api.example.test/v1';

let fixture: TestIssuer;
let key: DpopKey;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  key = await generateDpopKey();
  token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
});
afterEach(closeAll);

async function protectedOptions(http2: boolean): Promise<number> {
  const app = (http2 ? Fastify({ http2: true }) : Fastify()) as unknown as FastifyInstance;
  await app.register(
    fastifyResourceServer,
    fixture.options({ protect: 'all', dpop: true, publicUrl: PUBLIC_URL } as never),
  );
  app.options('*', async (request) => ({ subject: request.oauth2?.subject }));
  app.get('*', async (request) => ({ subject: request.oauth2?.subject }));
  return Number(new URL(await serve(app)).port);
}

/** `OPTIONS * HTTP/1.1` (or another method) on a socket of its own; the status line's code. */
const asteriskHttp1 = (port: number, headers: Record<string, string>, method = 'OPTIONS'): Promise<number> =>
  sendRawHttp1(port, `${method} * HTTP/1.1`, headers);

/** `OPTIONS` with `:path: *` over h2c; the status. */
async function optionsAsteriskHttp2(port: number, headers: Record<string, string>): Promise<number> {
  const session = http2Connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':method': 'OPTIONS', ':path': '*', ...headers });
      stream.on('response', (answered) => resolve(Number(answered[':status'])));
      stream.on('error', reject).resume();
      stream.end();
    });
  } finally {
    session.close();
  }
}

describe.each([
  ['HTTP/1.1', false, asteriskHttp1],
  ['HTTP/2', true, optionsAsteriskHttp2],
] as const)('OPTIONS * over %s', (_name, http2, send) => {
  it('accepts a proof for the origin of the public URL and refuses one for a URL with the `*`', async () => {
    const port = await protectedOptions(http2);
    const withProof = async (htu: string) =>
      send(port, { authorization: `DPoP ${token}`, dpop: await key.proof('OPTIONS', htu, token) });
    for (const htu of ['https://api.example.test', 'https://api.example.test/'])
      expect(await withProof(htu), htu).toBe(200);
    for (const htu of ['https://api.example.test/v1*', 'https://api.example.test*', PUBLIC_URL])
      expect(await withProof(htu), htu).toBe(401);
  });
});

it("GET * over HTTP/1.1, which Node's parser lets through, does not take a proof made for GET /", async () => {
  const port = await protectedOptions(false);
  const withProof = async (htu: string) =>
    asteriskHttp1(port, { authorization: `DPoP ${token}`, dpop: await key.proof('GET', htu, token) }, 'GET');
  for (const htu of ['https://api.example.test', 'https://api.example.test/', `${PUBLIC_URL}/`])
    expect(await withProof(htu), htu).toBe(401);
});
