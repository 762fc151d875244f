// Which HTTP client a key source or resolver uses when given none: the portable entry uses fetch; the
// Node build of the main entry (the `node` export condition) one pooled undici client for the process.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHttpClient } from '../../src/http/default-http-client.js';
import { NOW_MS } from '../helpers.js';

let server: Server;
let url: string;
const seen: { headers: IncomingHttpHeaders; remotePort: number | undefined }[] = [];

beforeAll(async () => {
  const jwks = JSON.stringify(jwksOf(await generateSigningKey('ES256', 'k1')));
  server = createServer((req, res) => {
    seen.push({ headers: req.headers, remotePort: req.socket.remotePort });
    res.setHeader('content-type', 'application/json');
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function fetchKeysWithDefaultClient(entry: string): Promise<(typeof seen)[number]> {
  const { remoteJwks } = (await import(entry)) as typeof import('../../src/index.js');
  const keys = remoteJwks({ url });
  seen.length = 0;
  const found = await keys.keysFor({ alg: 'ES256', kid: 'k1' }, NOW_MS);
  expect(found.ok && found.value.length).toBe(1);
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('the default HTTP client', () => {
  // Node's fetch announces itself as "node"; undici's request() sends no user-agent of its own.
  it('is fetch in the portable entry', async () => {
    const request = await fetchKeysWithDefaultClient('../../src/index.js');
    expect(request.headers['user-agent']).toBe('node');
  });

  it('is one pooled undici client in the Node build, shared by every source and kept alive', async () => {
    const first = await fetchKeysWithDefaultClient('../../src/index.node.js');
    expect(first.headers['user-agent']).toBeUndefined();
    expect(defaultHttpClient()).toBe(defaultHttpClient());
    const second = await fetchKeysWithDefaultClient('../../src/index.node.js');
    // The second key source reused the first one's connection.
    expect(second.remotePort).toBe(first.remotePort);
  });
});
