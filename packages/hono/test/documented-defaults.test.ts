import { type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHonoResourceServer } from '../src/index.js';

// Every default and limit the README and TSDoc state for this adapter, each proven by what it does when
// left out. A default changed without its documentation fails here.

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

/** A form body of exactly `bytes` bytes holding `token`, padded with another parameter. */
function formOfBytes(token: string, bytes: number): string {
  const bare = `access_token=${token}&padding=`;
  return bare + 'x'.repeat(bytes - bare.length);
}

describe('maxFormBodyBytes is 64 KiB when left out', () => {
  it('a body of 65 536 bytes is read, one byte more is refused', async () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver, tokenLocations: { formBody: true } });
    const app = new Hono().post('/items', rs.protect(), (c) => c.json({ subject: c.get('oauth2').subject }));
    const post = async (bytes: number) =>
      app.request('https://api.example.test/items', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formOfBytes(await issuer.mint({ sub: 'form' }), bytes),
      });
    const exact = await post(65_536);
    expect(exact.status).toBe(200);
    expect(await exact.json()).toEqual({ subject: 'form' });
    const over = await post(65_537);
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ code: 'malformed_authorization' });
  });
});
