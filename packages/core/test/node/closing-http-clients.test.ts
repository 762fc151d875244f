import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, startJwksServer } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteJwks } from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';

// The grace period undiciHttpClient's close() gives requests under way before it cuts their connections.
const CLOSE_GRACE_MS = 1_000;

/** What keeps this process alive, by kind: compared before and after a client's life. */
function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function leftBehind(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of after) {
    const more = count - (before.get(kind) ?? 0);
    if (more > 0) extra[kind] = more;
  }
  return extra;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** An authorization server that accepts requests and never answers them. */
async function hungServer(): Promise<string> {
  const server = createServer(() => {
    // never answers
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
}

describe('undiciHttpClient close()', () => {
  it('cuts a request to a hung server after its grace period, and leaves no socket or timer behind', async () => {
    const url = await hungServer();
    const before = openHandles();
    const client = undiciHttpClient();
    const request = client
      .send({ method: 'POST', url, body: 'token=x', timeoutMs: 60_000, maxResponseBytes: 1024 })
      .catch((error: Error) => error);
    // Wait until the request is on its way.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const start = performance.now();
    await client.close();
    const ms = performance.now() - start;

    expect(ms).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 1);
    // Generous for a loaded machine: the bound is a multiple of the grace period, not forever.
    expect(ms).toBeLessThan(5 * CLOSE_GRACE_MS);
    expect(await request).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });

  it('closes idle keep-alive connections at once', async () => {
    const jwks = await startJwksServer(jwksOf(await generateSigningKey('ES256')));
    try {
      const before = openHandles();
      const client = undiciHttpClient();
      await client.send({ method: 'GET', url: jwks.url, timeoutMs: 10_000, maxResponseBytes: 65_536 });

      const start = performance.now();
      await client.close();
      expect(performance.now() - start).toBeLessThan(CLOSE_GRACE_MS);
      await settle();
      expect(leftBehind(before, openHandles())).toEqual({});
    } finally {
      await jwks.close();
    }
  });
});

describe('remoteJwks', () => {
  it('keeps no timer of its own: with its client closed, nothing of it is left running', async () => {
    const key = await generateSigningKey('ES256');
    const jwks = await startJwksServer(jwksOf(key));
    try {
      const before = openHandles();
      const client = undiciHttpClient();
      const keys = remoteJwks({ url: jwks.url, httpClient: client, cacheMaxAge: 60_000 });
      const selected = await keys.keysFor({ alg: 'ES256', kid: key.kid }, Date.now());
      expect(selected.ok && selected.value).toHaveLength(1);
      await client.close();
      await settle();
      expect(leftBehind(before, openHandles())).toEqual({});
    } finally {
      await jwks.close();
    }
  });
});
