import { type AccessPolicy, RsConfigError } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHonoResourceServer } from '../src/index.js';

// A route policy looked up by a misspelt name (`policies['admn']`: `AccessPolicy | undefined`) and given
// to `authenticate` was read as "no policy": the route's own requirement dropped, any valid token let
// through. It is refused by the types (the `@ts-expect-error` lines are checked by `tsc --noEmit -p .`)
// and at run time, as `protect` refuses it.

let issuer: TestIssuer;
let authorization: string;
const policies: Record<string, AccessPolicy> = { admin: { scopes: ['admin'] } };

beforeAll(async () => {
  issuer = await testIssuer();
  authorization = `Bearer ${await issuer.mint({ sub: 'bob', scope: 'read' })}`;
});

describe('a route policy given as undefined', () => {
  it('authenticate(c.req, undefined) rejects with an RsConfigError instead of dropping the route policy', async () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    const outcomes: string[] = [];
    const app = new Hono().delete('/admin/users/:id', async (c) => {
      const refused = await rs.authenticate(c.req, policies['admin']!);
      outcomes.push(refused.ok ? 'accepted' : refused.rejection.code);
      // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
      const misspelt = await rs.authenticate(c.req, policies['admn']).then(
        () => 'accepted',
        (error: unknown) => (error instanceof RsConfigError ? error.message : 'another error'),
      );
      outcomes.push(misspelt);
      const serverPolicyOnly = await rs.authenticate(c.req);
      outcomes.push(serverPolicyOnly.ok ? 'accepted' : serverPolicyOnly.rejection.code);
      return c.text('done');
    });
    const response = await app.request('https://api.example.test/admin/users/1', {
      method: 'DELETE',
      headers: { authorization },
    });
    expect(response.status).toBe(200);
    expect(outcomes).toEqual([
      'insufficient_scope',
      expect.stringMatching(
        /"authenticate\(request, policy\)": is undefined: a policy that is misspelt or failed to load\?/,
      ),
      'accepted',
    ]);
  });

  it('refuses protectOptional(undefined) at start-up, by type and at run time', () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    expect(() => rs.protectOptional(policies['admn'])).toThrow(/"protectOptional.policy": is undefined/);
  });

  it('protects a route declared without a policy, and an optional one, as before', async () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    const app = new Hono()
      .get('/me', rs.protect(), (c) => c.text(c.get('oauth2').subject ?? ''))
      .get('/feed', rs.protectOptional(), (c) => c.text(c.get('oauth2')?.subject ?? 'anonymous'));
    const me = await app.request('https://api.example.test/me', { headers: { authorization } });
    expect(await me.text()).toBe('bob');
    expect((await app.request('https://api.example.test/me')).status).toBe(401);
    expect(await (await app.request('https://api.example.test/feed')).text()).toBe('anonymous');
    const feed = await app.request('https://api.example.test/feed', { headers: { authorization } });
    expect(await feed.text()).toBe('bob');
  });
});
