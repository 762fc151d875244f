import { memoryReplayStore, revocationList, securityEventReceiver, staticJwks } from '@rs/core';
import {
  generateSigningKey,
  keysOfLengthVariants,
  signSecurityEventOfLength,
  type TestSigningKey,
} from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { securityEventRoute } from '../src/index.js';
import { closeAll, serve } from './serve.js';

// Every limit the README states for this adapter, proven by what it does at the limit and one past it.
// A limit changed without its documentation fails here.

const TRANSMITTER = 'https://ssf.example.com';
const AUDIENCE = 'https://api.example.com';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'ssf');
});
afterEach(closeAll);

/** A SET of exactly `length` characters. */
const setOfLength = (length: number): Promise<string> =>
  signSecurityEventOfLength(
    key,
    length,
    { 'https://api.example.com/events/other': {} },
    {
      issuer: TRANSMITTER,
      audience: AUDIENCE,
    },
  );

describe('securityEventRoute reads a body of at most 64 KiB', () => {
  it('a SET of 65 536 bytes is answered 202, one of 65 537 bytes 400', async () => {
    const receiver = securityEventReceiver({
      issuer: TRANSMITTER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: keysOfLengthVariants(key) }),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
    });
    const app = Fastify();
    await app.register(securityEventRoute(receiver));
    const base = await serve(app);
    const push = async (length: number) =>
      fetch(`${base}/ssf/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt' },
        body: await setOfLength(length),
      });
    expect((await push(65_536)).status).toBe(202);
    const over = await push(65_537);
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ err: 'invalid_request' });
  });
});
