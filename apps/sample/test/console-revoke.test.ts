import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPAQUE_RESOURCE, type Servers, startServers, token } from './servers.js';

// The console's "Revoke this token" button over real HTTP (the browser test clicks it for an opaque token).
let servers: Servers;

beforeAll(async () => {
  servers = await startServers(undefined, { console: true });
});

afterAll(async () => {
  await servers?.close();
});

function revokeFromConsole(accessToken: string): Promise<Response> {
  return fetch(`${servers.apiUrl}/console/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: accessToken }),
  });
}

describe('the console revoking a token', () => {
  it('revokes an opaque token', async () => {
    const response = await revokeFromConsole(await token(servers.as, 'read', OPAQUE_RESOURCE));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: true });
  });

  it("passes on the authorization server's refusal to revoke a JWT, not a 500", async () => {
    const response = await revokeFromConsole(await token(servers.as, 'read'));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_token_type' });
  });
});
