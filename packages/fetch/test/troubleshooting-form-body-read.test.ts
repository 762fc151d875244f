// The troubleshooting row of ERR_RS_FORM_BODY_READ: "RsError thrown by @rs/fetch or @rs/hono (a 500)", when
// "form-body tokens are on and something read the request body before the resource server could look for
// a token in it"; fix: "authenticate before whatever reads the body (or read it from request.clone())".
// The class, the message and both documented fixes, with real tokens of a test issuer.
import { RsError } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createFetchResourceServer, type ProtectedFetchHandler } from '../src/index.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const formTokens = () =>
  createFetchResourceServer({
    resolver: issuer.resolver,
    publicUrl: 'https://api.example.test',
    tokenLocations: { formBody: true },
  });
const subjectOf: ProtectedFetchHandler = (_request, oauth2) => new Response(oauth2.subject);

async function formRequest(): Promise<Request> {
  return new Request('https://api.example.test/notes', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ access_token: await issuer.mint({ sub: 'alice' }), note: 'x' }),
  });
}

describe('a form body read before the resource server', () => {
  it('is an RsError whose message names tokenLocations.formBody and the fix; the handler never runs', async () => {
    const handler = vi.fn(subjectOf);
    const request = await formRequest();
    await request.formData(); // Middleware of the application that read the body first.
    const thrown = await formTokens()
      .protect(handler)(request)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(thrown).toBeInstanceOf(RsError);
    expect(thrown).toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
    expect((thrown as Error).message).toContain('tokenLocations.formBody');
    expect((thrown as Error).message).toContain('authenticate before whatever reads the body');
    expect(handler).not.toHaveBeenCalled();
  });

  it('is accepted once the body is read from request.clone() (the documented fix)', async () => {
    const request = await formRequest();
    expect((await request.clone().formData()).get('note')).toBe('x');
    const response = await formTokens().protect(subjectOf)(request);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('alice');
  });

  it('is accepted when the resource server authenticates before the body is read (the documented fix)', async () => {
    const request = await formRequest();
    const handler: ProtectedFetchHandler = async (request, oauth2) =>
      new Response(`${oauth2.subject} ${(await request.formData()).get('note')}`);
    const response = await formTokens().protect(handler)(request);
    expect(await response.text()).toBe('alice x');
  });
});
