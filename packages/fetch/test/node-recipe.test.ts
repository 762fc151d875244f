import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtResolver } from '@rs/core';
import { startTestAuthorizationServer, type TestAuthorizationServer } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer } from '../src/index.js';

let as: TestAuthorizationServer;
beforeAll(async () => {
  as = await startTestAuthorizationServer();
});
afterAll(async () => {
  await as.close();
});

/**
 * The README's `node:http` recipe, as written there, against a real authorization server whose keys
 * are discovered from its metadata, served and called on http://localhost with no setting for it.
 */
describe("the README's node:http recipe on http://localhost", () => {
  it('answers 200 for a real token and 401 without one, with keys discovered from the issuer', async () => {
    const rs = createFetchResourceServer({
      resolver: jwtResolver({ issuer: as.issuer, audience: as.resources.jwt }),
    });
    const listItems = rs.protect((_request, oauth2) => Response.json({ owner: oauth2.clientId, items: [] }));

    const server = createServer(async (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
        headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
      }
      const method = incoming.method ?? 'GET';
      const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      const response = await listItems(request);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    try {
      const url = `http://localhost:${(server.address() as AddressInfo).port}/items`;
      const token = await as.issueToken({ resource: as.resources.jwt });

      const accepted = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ owner: as.appClient.clientId, items: [] });
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
