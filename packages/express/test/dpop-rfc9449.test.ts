// RFC 9449 §7.1, §7.2 and §9 over real HTTP: what a client reads in the status and headers of each answer.
// Real Express servers (5 and 4) on loopback, real ES256 proofs, a token minted by a test issuer.
import { rotatingDpopNonces } from '@rs/core';
import { type DpopKey, generateDpopKey, sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

const PUBLIC_URL = 'https://api.example.test';
const HTU = `${PUBLIC_URL}/items`;

let fixture: TestIssuer;
let key: DpopKey;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  key = await generateDpopKey();
  token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
});
afterEach(closeAll);

const header = (value: string | readonly string[] | undefined): string =>
  Array.isArray(value) ? value.join(', ') : String(value);

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  async function start(withNonces: boolean, clock?: () => number): Promise<string> {
    const app = express();
    const dpop = withNonces ? { nonces: rotatingDpopNonces({ lifetime: 30 }) } : true;
    const rs = createExpressResourceServer({
      ...fixture.options({ dpop, ...(clock && { clock }) }),
      publicUrl: PUBLIC_URL,
    });
    app.get('/items', rs.protect(), (req: Request, res: Response) => {
      res.json({ subject: rs.contextOf(req)?.subject });
    });
    return (await serve(app)).url;
  }

  it('§9: 401 use_dpop_nonce in the DPoP challenge with a DPoP-Nonce header, then 200 for the retry', async () => {
    const url = await start(true);
    const first = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', HTU, token) },
    });
    expect(first.status).toBe(401);
    const nonce = header(first.headers['dpop-nonce']);
    expect(nonce).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
    expect(header(first.headers['www-authenticate'])).toMatch(/DPoP [\s\S]*error="use_dpop_nonce"/);
    expect(header(first.headers['www-authenticate'])).toMatch(/DPoP [\s\S]*algs="/);
    const retry = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', HTU, token, { nonce }) },
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ subject: 'alice' });
  });

  it('§9: a 200 answer hands out the next nonce while the previous one is still accepted', async () => {
    // An injected clock moves the server to the next nonce slot; tokens and proofs stay well in time.
    let offsetMs = 0;
    const url = await start(true, () => Date.now() + offsetMs);
    const refused = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', HTU, token) },
    });
    const nonce = header(refused.headers['dpop-nonce']);
    const accepted = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', HTU, token, { nonce }) },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers['dpop-nonce']).toBeUndefined();
    offsetMs = 31_000;
    const rotated = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', HTU, token, { nonce }) },
    });
    expect(rotated.status).toBe(200);
    const next = header(rotated.headers['dpop-nonce']);
    expect(next).not.toBe(nonce);
    expect(next).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
  });

  it('§4.3 check 1: two DPoP field lines are 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const url = await start(false);
    const proofs = [await key.proof('GET', HTU, token), await key.proof('GET', HTU, token)];
    const response = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: proofs },
    });
    expect(response.status).toBe(401);
    expect(header(response.headers['www-authenticate'])).toMatch(/DPoP [\s\S]*error="invalid_dpop_proof"/);
    // Each proof alone is good: the refusal is for the pair, not for either.
    const one = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: proofs[0]! },
    });
    expect(one.status).toBe(200);
  });

  it('§4.3 check 8: a HEAD request answered by a GET route takes a proof for HEAD, not for GET', async () => {
    const url = await start(false);
    const send = async (htm: string) =>
      sendHttp(url, {
        method: 'HEAD',
        path: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: await key.proof(htm, HTU, token) },
      });
    expect((await send('GET')).status).toBe(401);
    expect((await send('HEAD')).status).toBe(200);
  });

  it('§7.1: a bad token with a good proof is 401 invalid_token in the DPoP challenge', async () => {
    const url = await start(false);
    const expired = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint }, exp: 1_000_000 });
    const response = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `DPoP ${expired}`, dpop: await key.proof('GET', HTU, expired) },
    });
    expect(response.status).toBe(401);
    expect(header(response.headers['www-authenticate'])).toMatch(/DPoP [\s\S]*error="invalid_token"/);
  });

  it('§7.2: a DPoP-bound token sent as Bearer is 401 invalid_token, even with a good proof beside it', async () => {
    const url = await start(false);
    const response = await sendHttp(url, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `Bearer ${token}`, dpop: await key.proof('GET', HTU, token) },
    });
    expect(response.status).toBe(401);
    const challenge = header(response.headers['www-authenticate']);
    expect(challenge).toMatch(/error="invalid_token"/);
    // Both schemes are offered: the client learns that DPoP is accepted here.
    expect(challenge).toMatch(/Bearer/);
    expect(challenge).toMatch(/DPoP/);
  });
});
