import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REVOKE_PATH, REVOCABLE_PATH, SET_PUSH_PATH } from '../src/revocation-routes.js';
import { call, type Servers, startServers, token } from './servers.js';

let servers: Servers;

beforeAll(async () => {
  servers = await startServers();
});
afterAll(() => servers?.close());

function demoRevoke(form: Record<string, string>): Promise<Response> {
  return fetch(servers.apiUrl + DEMO_REVOKE_PATH, { method: 'POST', body: new URLSearchParams(form) });
}

describe('sample: revocation pushed as a Security Event Token', () => {
  it('takes effect on the next request, for tokens issued before it only', async () => {
    const before = await token(servers.as, 'read');
    const accepted = await call(servers.apiUrl, REVOCABLE_PATH, before);
    expect(accepted.status).toBe(200);
    const { clientId } = (await accepted.json()) as { clientId: string };

    const pushed = await demoRevoke({ client: clientId });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toMatchObject({ pushStatus: 202, receiver: { accepted: 1 } });

    const refused = await call(servers.apiUrl, REVOCABLE_PATH, before);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error_description="The token was revoked"');

    // Tokens issued in the same second as the revocation count as issued before it (iat is in seconds).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await token(servers.as, 'read');
    expect((await call(servers.apiUrl, REVOCABLE_PATH, after)).status).toBe(200);
  });

  it('refuses a SET that the embedded transmitter did not sign', async () => {
    const response = await fetch(servers.apiUrl + SET_PUSH_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt' },
      body: 'eyJhbGciOiJFUzI1NiIsInR5cCI6InNlY2V2ZW50K2p3dCJ9.eyJldmVudHMiOnt9fQ.AAAA',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err: expect.any(String) });
  });

  it('takes one revocation at a time on the demonstration route', async () => {
    expect((await demoRevoke({ sub: 'a', sid: 'b' })).status).toBe(400);
    expect((await demoRevoke({})).status).toBe(400);
  });
});
