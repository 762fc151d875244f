import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api.js';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import { CLOSE_GRACE_MS } from '../src/http-server.js';
import { buildTlsApi } from '../src/sender-constrained-routes.js';
import { createDemoPki, type DemoPki } from '../src/tls/demo-pki.js';
import { OPAQUE_RESOURCE, RESOURCE } from './servers.js';

// What stopping the sample closes (main.ts): the authorization server's two listeners, the API, the https
// API. A client that opens a connection and sends nothing (a browser's speculative preconnect) or half a
// request must not hold Ctrl+C: each close drops such connections after CLOSE_GRACE_MS. The vitest timeout
// is far above that grace, so a close that waits for the client fails by timing out.
const CLOSE_TEST_TIMEOUT_MS = CLOSE_GRACE_MS * 10;

let pki: DemoPki | undefined;
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  pki?.cleanup();
  pki = undefined;
});

function holdConnection(port: number, firstBytes?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (firstBytes !== undefined) socket.write(firstBytes);
      resolve(socket);
    });
    socket.on('error', reject);
    sockets.push(socket);
  });
}

const HALF_A_REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n';

async function startSample(): Promise<{
  as: AuthorizationServer;
  api: FastifyInstance;
  tlsApi: FastifyInstance;
}> {
  pki = createDemoPki();
  const as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: RESOURCE,
    opaqueResource: OPAQUE_RESOURCE,
    tls: { port: 0, keyPem: pki.serverKeyPem, certPem: pki.serverCertPem },
  });
  const trust = { issuer: as.issuer, audience: RESOURCE, jwksUrl: as.jwksUrl, publicUrl: RESOURCE };
  const api = await buildApi(trust);
  await api.listen({ host: '127.0.0.1', port: 0 });
  const tlsApi = await buildTlsApi(trust, { keyPem: pki.serverKeyPem, certPem: pki.serverCertPem });
  await tlsApi.listen({ host: '127.0.0.1', port: 0 });
  return { as, api, tlsApi };
}

const portOf = (address: string): number => Number(new URL(address).port);
const listeningPort = (app: FastifyInstance): number => (app.server.address() as AddressInfo).port;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe: Server = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('stopping the sample', () => {
  it(
    'closes every listener although clients hold connections without a complete request',
    async () => {
      const { as, api, tlsApi } = await startSample();
      const ports = [
        portOf(as.issuer),
        portOf(as.mtlsTokenUrl ?? ''),
        listeningPort(api),
        listeningPort(tlsApi),
      ];
      for (const port of ports) {
        await holdConnection(port);
        await holdConnection(port, HALF_A_REQUEST);
      }

      await Promise.all([tlsApi.close(), api.close()]);
      await as.close();

      for (const port of ports) expect(await isFree(port)).toBe(true);
    },
    CLOSE_TEST_TIMEOUT_MS,
  );
});
