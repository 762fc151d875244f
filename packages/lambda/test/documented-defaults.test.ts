import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import { lambdaContext } from './support/lambda-context.js';
import { jsonBody } from './support/lambda-response.js';
import { restApiEvent, restApiResponse } from './support/rest-api-events.js';

// Every default and limit the README and TSDoc state for this adapter, each proven by what it does when
// left out. A default changed without its documentation fails here.

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const ok: ProtectedHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject }),
});

/** A form body of exactly `bytes` bytes holding `token`, padded with another parameter. */
function formOfBytes(token: string, bytes: number): string {
  const bare = `access_token=${token}&padding=`;
  return bare + 'x'.repeat(bytes - bare.length);
}

describe('maxFormBodyBytes is 64 KiB when left out', () => {
  const server = () =>
    createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { formBody: true } });
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };

  it.each([
    ['plain', false],
    ['base64-encoded', true],
  ])('a %s body of 65 536 bytes is read, one byte more is refused', async (_, base64) => {
    const token = await issuer.mint({ sub: 'form' });
    const post = async (bytes: number) => {
      const form = formOfBytes(token, bytes);
      const body = base64 ? Buffer.from(form).toString('base64') : form;
      const event = restApiEvent({ method: 'POST', target: '/items', headers, body, base64 });
      return restApiResponse(await server().protect(ok)(event, lambdaContext()));
    };
    const exact = await post(65_536);
    expect(exact.status).toBe(200);
    expect(jsonBody(exact)).toEqual({ subject: 'form' });
    const over = await post(65_537);
    expect(over.status).toBe(400);
    expect(jsonBody(over)).toMatchObject({ code: 'malformed_authorization' });
  });
});
