import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { jwtResolver } from '@rs/core';
import { startTestAuthorizationServer, type TestAuthorizationServer } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer } from '../src/index.js';
import { readmeNodeServer } from './support/readme-node-server.js';

let as: TestAuthorizationServer;
beforeAll(async () => {
  as = await startTestAuthorizationServer();
});
afterAll(async () => {
  await as.close();
});

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

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
    const server = readmeNodeServer(listItems);
    try {
      const url = `${await listening(server)}/items`;
      const token = await as.issueToken({ resource: as.resources.jwt });

      const accepted = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ owner: as.appClient.clientId, items: [] });
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
    } finally {
      await closed(server);
    }
  });

  it('answers 500 when the handler throws, and keeps serving (the process does not end)', async () => {
    const rs = createFetchResourceServer({
      resolver: jwtResolver({ issuer: as.issuer, audience: as.resources.jwt }),
    });
    const failing = rs.protect(() => {
      throw new Error('the database is down');
    });
    const server = readmeNodeServer(failing);
    try {
      const url = `${await listening(server)}/items`;
      const token = await as.issueToken({ resource: as.resources.jwt });
      const answered = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(answered.status).toBe(500);
      expect((await fetch(url)).status).toBe(401);
    } finally {
      await closed(server);
    }
  });

  it('keeps serving after a client goes away in the middle of its body, and refuses a body over the limit', async () => {
    const rs = createFetchResourceServer({
      resolver: jwtResolver({ issuer: as.issuer, audience: as.resources.jwt }),
    });
    const server = readmeNodeServer(rs.protect(() => new Response('ok')));
    try {
      const base = await listening(server);
      const { port } = server.address() as AddressInfo;
      // Announces 100 000 bytes, sends 3, then resets: Node rejects the body's iteration with `aborted`.
      await new Promise<void>((resolve) => {
        const socket = connect(port, 'localhost', () => {
          socket.write('POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\nabc');
          setTimeout(() => socket.resetAndDestroy(), 50);
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
      expect((await fetch(`${base}/items`)).status).toBe(401);
      const large = await fetch(`${base}/items`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
      expect(large.status).toBe(413);
    } finally {
      await closed(server);
    }
  });
});
