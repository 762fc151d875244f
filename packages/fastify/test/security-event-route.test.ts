import { jwtResolver, memoryReplayStore, revocationList, securityEventReceiver, staticJwks } from '@rs/core';
import {
  generateSigningKey,
  jwksOf,
  mintToken,
  SESSION_REVOKED,
  signSecurityEvent,
  type TestSigningKey,
} from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify, securityEventRoute } from '../src/index.js';
import { closeAll, serve } from './serve.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const TRANSMITTER = 'https://ssf.example.com';
const CUSTOM_EVENT = 'https://api.example.com/events/account-locked';

let tokenKey: TestSigningKey;
let transmitterKey: TestSigningKey;
let forgerKey: TestSigningKey;

beforeAll(async () => {
  [tokenKey, transmitterKey, forgerKey] = await Promise.all([
    generateSigningKey('ES256'),
    generateSigningKey('ES256', 'ssf'),
    generateSigningKey('ES256', 'ssf'),
  ]);
});
afterEach(closeAll);

async function api(failing?: Error): Promise<string> {
  const revocations = revocationList();
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore: memoryReplayStore(),
    revocations,
    ...(failing === undefined
      ? {}
      : {
          handlers: {
            [CUSTOM_EVENT]: async () => {
              throw failing;
            },
          },
        }),
  });
  const app = Fastify();
  await app.register(securityEventRoute(receiver));
  await app.register(async (scope) => {
    await scope.register(rsFastify, {
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks(jwksOf(tokenKey)),
        revocations,
      }),
      requireHttps: false,
    });
    scope.get('/orders', async () => ({ orders: [] }));
  });
  return serve(app);
}

function push(base: string, body: string, contentType = 'application/secevent+jwt'): Promise<Response> {
  return fetch(`${base}/ssf/events`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

function revokeSession(sid: string, key = transmitterKey): Promise<string> {
  return signSecurityEvent(
    key,
    { [SESSION_REVOKED]: {} },
    {
      issuer: TRANSMITTER,
      audience: AUDIENCE,
      subjectId: { session: { format: 'opaque', id: sid } },
    },
  );
}

describe('securityEventRoute (RFC 8935 push delivery) over HTTP', () => {
  it('answers 202 and the next request with a token of the revoked session is refused', async () => {
    const base = await api();
    const token = await mintToken(
      tokenKey,
      { issuer: ISSUER, audience: AUDIENCE, now: Math.floor(Date.now() / 1000) - 5 },
      { sid: 'sess-1' },
    );
    const orders = () => fetch(`${base}/orders`, { headers: { authorization: `Bearer ${token}` } });
    const first = await orders();
    expect(first.status, await first.clone().text()).toBe(200);

    const response = await push(base, await revokeSession('sess-1'));
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');

    const refused = await orders();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 400 with the RFC error object for a forged SET, another media type and a body too large', async () => {
    const base = await api();
    const forged = await push(base, await revokeSession('sess-2', forgerKey));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toEqual({ err: 'invalid_key', description: expect.any(String) });

    const json = await push(base, '{"events":{}}', 'application/json');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ err: 'invalid_request' });

    const huge = await push(base, 'a'.repeat(100_000));
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ err: 'invalid_request' });

    const replayedSet = await revokeSession('sess-3');
    expect((await push(base, replayedSet)).status).toBe(202);
    const replayed = await push(base, replayedSet);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ err: 'invalid_request' });
  });

  it("answers 500 without the application's error message when acting on a SET fails", async () => {
    const base = await api(new Error('sink down: password=hunter2'));
    const set = await signSecurityEvent(
      transmitterKey,
      { [CUSTOM_EVENT]: { subject: { format: 'opaque', id: 'acct-1' } } },
      { issuer: TRANSMITTER, audience: AUDIENCE },
    );
    const response = await push(base, set);
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('');
  });
});
