import { type AccessPolicy, RsConfigError } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type OptionallyProtectedAlbHandler } from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

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

const rsOf = () => createLambdaResourceServer({ resolver: issuer.resolver });

describe('a route policy given as undefined', () => {
  it.each([
    [
      'REST API',
      () => restApiEvent({ method: 'DELETE', target: '/admin/users/1', headers: { authorization } }),
    ],
    [
      'HTTP API',
      () => httpApiEvent({ method: 'DELETE', target: '/admin/users/1', headers: { authorization } }),
    ],
  ])(
    'authenticate(%s event, undefined) rejects with an RsConfigError instead of dropping the route policy',
    async (_, event) => {
      const rs = rsOf();
      const refused = await rs.authenticate(event(), policies['admin']!);
      expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');

      // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
      const misspelt = rs.authenticate(event(), policies['admn']);
      await expect(misspelt).rejects.toBeInstanceOf(RsConfigError);
      await expect(misspelt).rejects.toThrow(
        /"authenticate\(event, policy\)": is undefined: a policy that is misspelt or failed to load\?/,
      );

      // Left out, the event is held to the server-wide policy alone.
      expect((await rs.authenticate(event())).ok).toBe(true);
    },
  );

  it('refuses protectAlbOptional(handler, undefined) at start-up, by type and at run time', () => {
    const handler: OptionallyProtectedAlbHandler = async () => ({ statusCode: 200, body: 'ok' });
    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    expect(() => rsOf().protectAlbOptional(handler, policies['admn'])).toThrow(
      /"protectAlbOptional.policy": is undefined/,
    );
  });

  it('protects handlers and authorizers declared without a policy, required or optional, as before', async () => {
    const rs = rsOf();
    const event = () => restApiEvent({ method: 'GET', target: '/items', headers: { authorization } });
    const anonymous = () => restApiEvent({ method: 'GET', target: '/items' });
    const protect = rs.protect(async (_event, _context, oauth2) => ({
      statusCode: 200,
      body: oauth2.subject!,
    }));
    expect(await protect(event(), lambdaContext())).toMatchObject({ statusCode: 200, body: 'bob' });
    expect(await protect(anonymous(), lambdaContext())).toMatchObject({ statusCode: 401 });
    const optional = rs.protectOptional(async (_event, _context, oauth2) => ({
      statusCode: 200,
      body: oauth2?.subject ?? 'anonymous',
    }));
    expect(await optional(anonymous(), lambdaContext())).toMatchObject({
      statusCode: 200,
      body: 'anonymous',
    });
    expect(await optional(event(), lambdaContext())).toMatchObject({ statusCode: 200, body: 'bob' });
    const alb = rs.protectAlbOptional(async (_event, _context, oauth2) => ({
      statusCode: 200,
      body: oauth2?.subject ?? 'anonymous',
    }));
    expect(await alb(albEvent(), lambdaContext())).toMatchObject({ statusCode: 200, body: 'anonymous' });
    expect(await alb(albEvent({ headers: { authorization } }), lambdaContext())).toMatchObject({
      statusCode: 200,
      body: 'bob',
    });
  });
});
