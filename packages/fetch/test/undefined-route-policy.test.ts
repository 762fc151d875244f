import { type AccessPolicy, RsConfigError } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer, type FetchResourceServer } from '../src/index.js';
import { createFetchResourceServer as createLiteFetchResourceServer } from '../src/lite.js';

// A route policy looked up by a misspelt name (`policies['admn']`: `AccessPolicy | undefined`) and given
// to `authenticate` was read as "no policy": the route's own requirement dropped, any valid token let
// through. It is refused by the types (the `@ts-expect-error` lines are checked by `tsc --noEmit -p .`)
// and at run time, as `protect` refuses it.

let issuer: TestIssuer;
let readOnly: Request;
const policies: Record<string, AccessPolicy> = { admin: { scopes: ['admin'] } };

beforeAll(async () => {
  issuer = await testIssuer();
  const token = await issuer.mint({ sub: 'bob', scope: 'read' });
  readOnly = new Request('https://api.example.test/admin/users/1', {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
});

const ENTRIES: Record<string, () => FetchResourceServer> = {
  '@rs/fetch': () => createFetchResourceServer({ resolver: issuer.resolver }),
  '@rs/fetch/lite': () => createLiteFetchResourceServer({ resolver: issuer.resolver }),
};

describe.each(Object.keys(ENTRIES))('%s', (entry) => {
  it('authenticate(request, undefined) rejects with an RsConfigError instead of dropping the route policy', async () => {
    const rs = ENTRIES[entry]!();
    const refused = await rs.authenticate(readOnly.clone(), policies['admin']!);
    expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');

    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    const misspelt = rs.authenticate(readOnly.clone(), policies['admn']);
    await expect(misspelt).rejects.toBeInstanceOf(RsConfigError);
    await expect(misspelt).rejects.toThrow(
      /"authenticate\(request, policy\)": is undefined: a policy that is misspelt or failed to load\?/,
    );

    // Left out, the request is held to the server-wide policy alone.
    expect((await rs.authenticate(readOnly.clone())).ok).toBe(true);
  });

  it('protects a route declared without a policy, and an optional one, as before', async () => {
    const rs = ENTRIES[entry]!();
    const handler = rs.protect((_request, oauth2) => new Response(oauth2.subject));
    expect(await (await handler(readOnly.clone())).text()).toBe('bob');
    expect((await handler(new Request('https://api.example.test/admin/users/1'))).status).toBe(401);
    const optional = rs.protectOptional((_request, oauth2) => new Response(oauth2?.subject ?? 'anonymous'));
    expect(await (await optional(new Request('https://api.example.test/feed'))).text()).toBe('anonymous');
    expect(await (await optional(readOnly.clone())).text()).toBe('bob');
  });
});
