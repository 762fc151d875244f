import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAuthorizationServer } from '../src/authorization-server.js';
import { createDemoPki, type DemoPki } from '../src/tls/demo-pki.js';
import { OPAQUE_RESOURCE, RESOURCE } from './servers.js';

// main.ts turns EADDRINUSE into one line naming the port settings; any other error is printed with its stack.
let pki: DemoPki | undefined;
let occupier: Server | undefined;

afterEach(async () => {
  pki?.cleanup();
  pki = undefined;
  await new Promise((resolve) => (occupier ? occupier.close(resolve) : resolve(undefined)));
  occupier = undefined;
});

async function occupiedPort(): Promise<number> {
  occupier = createServer();
  await new Promise<void>((resolve) => occupier?.listen(0, '127.0.0.1', resolve));
  return (occupier.address() as AddressInfo).port;
}

describe('an authorization server port in use', () => {
  it.each(['AS_PORT', 'AS_TLS_PORT'] as const)('fails with EADDRINUSE for %s', async (setting) => {
    pki = createDemoPki();
    const port = await occupiedPort();
    const start = startAuthorizationServer({
      host: '127.0.0.1',
      port: setting === 'AS_PORT' ? port : 0,
      resource: RESOURCE,
      opaqueResource: OPAQUE_RESOURCE,
      tls: {
        port: setting === 'AS_TLS_PORT' ? port : 0,
        keyPem: pki.serverKeyPem,
        certPem: pki.serverCertPem,
      },
    });
    await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE', port });
  });
});
