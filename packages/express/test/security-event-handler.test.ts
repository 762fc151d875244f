import { memoryReplayStore, revocationList, securityEventReceiver, staticJwks } from '@rs/core';
import {
  generateSigningKey,
  jwksOf,
  signSecurityEvent,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { securityEventHandler } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

const TRANSMITTER = 'https://ssf.example.com';
const AUDIENCE = 'https://api.example.com';

let key: TestSigningKey;
let forger: TestSigningKey;

beforeAll(async () => {
  [key, forger] = await Promise.all([generateSigningKey('ES256', 'ssf'), generateSigningKey('ES256', 'ssf')]);
});
afterEach(closeAll);

function set(signer: TestSigningKey): Promise<string> {
  return signSecurityEvent(
    signer,
    { [TOKENS_REVOKED]: {} },
    {
      issuer: TRANSMITTER,
      audience: AUDIENCE,
      subjectId: { format: 'opaque', id: 'user-1' },
    },
  );
}

describe.each(FRAMEWORKS)('securityEventHandler on $name', ({ express }) => {
  async function start() {
    const revocations = revocationList();
    const receiver = securityEventReceiver({
      issuer: TRANSMITTER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      replayStore: memoryReplayStore(),
      revocations,
    });
    const app = express();
    app.use(express.json());
    app.post('/ssf/events', securityEventHandler(receiver));
    const served = await serve(app);
    const push = (body: string, contentType = 'application/secevent+jwt') =>
      fetch(`${served.url}/ssf/events`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { revocations, push };
  }

  it('answers 202 for a SET of the transmitter, and acts on it', async () => {
    const { revocations, push } = await start();
    const response = await push(await set(key));
    expect(response.status).toBe(202);
    expect(revocations.stats().revocations).toBe(1);
  });

  it('answers 400 with the RFC error object for a forged SET, JSON, and a body too large', async () => {
    const { revocations, push } = await start();
    const forged = await push(await set(forger));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toEqual({ err: 'invalid_key', description: expect.any(String) });
    const json = await push('{"events":{}}', 'application/json');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ err: 'invalid_request' });
    const huge = await push('a'.repeat(100_000));
    expect(huge.status).toBe(400);
    expect(revocations.stats().revocations).toBe(0);
  });
});
