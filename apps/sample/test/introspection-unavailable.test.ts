import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { call, OPAQUE_RESOURCE, type Servers, startServers, token } from './servers.js';

// The README: "When the authorization server cannot be asked, the introspection routes fail closed with 503
// (introspection_unavailable, or introspection_misconfigured when it refuses the API's credentials)."
let servers: Servers | undefined;

afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the introspection routes when the authorization server cannot be asked', () => {
  it.each(['/rs-introspect', '/rs-introspect-cache'])(
    '%s answers 503 introspection_misconfigured when the API credentials are refused',
    async (path) => {
      servers = await startServers(() => ({ clientSecret: 'not-the-secret' }));
      const response = await call(servers.apiUrl, path, await token(servers.as, 'read', OPAQUE_RESOURCE));
      expect(response.status).toBe(503);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toMatchObject({ code: 'introspection_misconfigured' });
    },
  );

  it.each(['/rs-introspect', '/rs-introspect-cache'])(
    '%s answers 503 introspection_unavailable when the endpoint does not answer',
    async (path) => {
      const port = await closedPort();
      servers = await startServers(() => ({ endpoint: `http://127.0.0.1:${port}/token/introspection` }));
      const response = await call(servers.apiUrl, path, await token(servers.as, 'read', OPAQUE_RESOURCE));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'introspection_unavailable' });
    },
  );
});
