import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { undiciHttpClient } from '../../src/node/index.js';

// Shutdown paths often close a client twice: a SIGTERM handler and a framework's close hook, a test's
// afterEach after the code under test closed it. undici's agent refuses a second close (it is destroyed
// by then), which used to reach the caller as undici's ClientDestroyedError, with the grace timer of that
// second close left running.

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server that answers every request with an empty JSON object, or never (`hangs`). */
async function server(hangs: boolean): Promise<string> {
  const listening = createServer((_request, response) => {
    if (!hangs) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  servers.push(listening);
  listening.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/`;
}

const REQUEST = { method: 'GET', timeoutMs: 60_000, maxResponseBytes: 1024 } as const;

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('undiciHttpClient close(), called again', () => {
  it('after an idle client closed: resolves, and leaves no timer', async () => {
    const client = undiciHttpClient();
    await client.send({ ...REQUEST, url: await server(false) });
    await client.close();
    const before = timers();
    await expect(client.close()).resolves.toBeUndefined();
    expect(timers()).toBe(before);
  });

  it('after a close that cut a request to a hung server: resolves', async () => {
    const client = undiciHttpClient();
    const request = client.send({ ...REQUEST, url: await server(true) }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.close();
    await expect(client.close()).resolves.toBeUndefined();
    expect(await request).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
  });

  it('during the first: both resolve, once the client is closed', async () => {
    const client = undiciHttpClient();
    const request = client.send({ ...REQUEST, url: await server(true) }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = client.close();
    const second = client.close();
    expect(second).toBe(first);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    expect(await request).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
  });
});
