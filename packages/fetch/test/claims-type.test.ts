import type { RsContext } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createFetchResourceServer, type FetchResourceServer } from '../src/index.js';

interface MyClaims {
  readonly sub: string;
  readonly tenant: string;
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

describe("the application's claims type", () => {
  it('flows from the factory to protect, protectOptional and authenticate', async () => {
    const rs = createFetchResourceServer<MyClaims>({
      resolver: issuer.resolver,
      publicUrl: 'https://api.example.test',
    });
    expectTypeOf(rs).toEqualTypeOf<FetchResourceServer<MyClaims>>();
    const handler = rs.protect((_request, oauth2) => {
      expectTypeOf(oauth2).toEqualTypeOf<RsContext<MyClaims>>();
      expectTypeOf(oauth2.claims.tenant).toEqualTypeOf<string>();
      return Response.json({ tenant: oauth2.claims.tenant });
    });
    rs.protectOptional((_request, oauth2) => {
      expectTypeOf(oauth2).toEqualTypeOf<RsContext<MyClaims> | undefined>();
      return new Response(oauth2?.claims.tenant ?? 'none');
    });
    const token = await issuer.mint({ tenant: 'acme' });
    const response = await handler(
      new Request('https://api.example.test/', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await response.json()).toEqual({ tenant: 'acme' });

    const result = await rs.authenticate(new Request('https://api.example.test/'));
    if (result.ok) expectTypeOf(result.context.claims.tenant).toEqualTypeOf<string>();
  });

  it('defaults to a record of unknown claims', () => {
    expectTypeOf<ReturnType<typeof createFetchResourceServer>>().toEqualTypeOf<FetchResourceServer>();
    const rs = createFetchResourceServer({ resolver: issuer.resolver });
    rs.protect((_request, oauth2) => {
      expectTypeOf(oauth2.claims).toEqualTypeOf<Readonly<Record<string, unknown>>>();
      return new Response();
    });
  });
});

describe('protectOptional', () => {
  const rs = () => createFetchResourceServer({ resolver: issuer.resolver, realm: 'items' });
  const greet = (_request: Request, oauth2: RsContext | undefined) =>
    Response.json({ subject: oauth2?.subject ?? null });

  it('runs the handler without a context when the request has no token', async () => {
    const response = await rs().protectOptional(greet)(new Request('http://localhost/items'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ subject: null });
  });

  it('runs it with the context for a good token, and still answers 401 for a bad one', async () => {
    const token = await issuer.mint({ sub: 'alice' });
    const good = await rs().protectOptional(greet)(
      new Request('http://localhost/items', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await good.json()).toEqual({ subject: 'alice' });
    const bad = await rs().protectOptional(greet)(
      new Request('http://localhost/items', { headers: { authorization: `Bearer ${token}x` } }),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="items", error="invalid_token"/);
  });
});
