import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer, type ProtectedFetchHandler } from '../src/index.js';

// Every default and limit the README and TSDoc state for this adapter, each proven by what it does when
// left out. A default changed without its documentation fails here.

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const echo: ProtectedFetchHandler = (_request, oauth2) => Response.json({ subject: oauth2.subject });

/** A form body of exactly `bytes` bytes holding `token`, padded with another parameter. */
function formOfBytes(token: string, bytes: number): string {
  const bare = `access_token=${token}&padding=`;
  return bare + 'x'.repeat(bytes - bare.length);
}

describe('maxFormBodyBytes is 64 KiB when left out', () => {
  const post = async (bytes: number, declared: boolean) => {
    const rs = createFetchResourceServer({
      resolver: issuer.resolver,
      publicUrl: 'https://api.example.test',
      tokenLocations: { formBody: true },
    });
    const body = formOfBytes(await issuer.mint({ sub: 'form' }), bytes);
    const request = new Request('https://api.example.test/items', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      // A stream carries no Content-Length: the bound is then on the bytes received.
      body: declared ? body : new Blob([body]).stream(),
      ...(declared ? {} : { duplex: 'half' }),
    } as RequestInit);
    return rs.protect(echo)(request);
  };

  it.each([
    ['with its Content-Length', true],
    ['streamed', false],
  ])('a body of 65 536 bytes %s is read, one byte more is refused', async (_, declared) => {
    const exact = await post(65_536, declared);
    expect(exact.status).toBe(200);
    expect(await exact.json()).toEqual({ subject: 'form' });
    const over = await post(65_537, declared);
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ code: 'malformed_authorization' });
  });
});
