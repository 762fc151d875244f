import { createResourceServer, RsConfigError, rotatingDpopNonces } from '@rs/core';
import { type DpopKey, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createLambdaResourceServer,
  type LambdaResourceServerOptions,
  type ProtectedHandler,
  withAuth,
} from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import { formBody } from './support/client-request.js';
import { httpApiEvent, httpApiResponse } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { jsonBody } from './support/lambda-response.js';
import { restApiEvent, restApiResponse } from './support/rest-api-events.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const ok: ProtectedHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject, location: oauth2.location }),
});

describe('protect', () => {
  it('does not call the handler for a refused event, and answers with core rejection as is', async () => {
    const handler = vi.fn(ok);
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, realm: 'items' });
    const result = await rs.protect(handler)(
      restApiEvent({ method: 'GET', target: '/items' }),
      lambdaContext(),
    );
    expect(handler).not.toHaveBeenCalled();
    expect(result).toEqual({
      statusCode: 401,
      headers: {
        'www-authenticate': 'Bearer realm="items"',
        'cache-control': 'no-store',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ error_description: 'No access token in the request', code: 'token_missing' }),
    });
  });

  it('hands the handler the event, the Lambda context and the OAuth2 context', async () => {
    const handler = vi.fn(ok);
    const token = await issuer.mint({ sub: 'alice' });
    const event = restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { Authorization: `Bearer ${token}` },
    });
    const context = lambdaContext();
    const result = await createLambdaResourceServer({ resolver: issuer.resolver }).protect(handler)(
      event,
      context,
    );
    expect(jsonBody(restApiResponse(result))).toEqual({ subject: 'alice', location: 'authorization-header' });
    expect(handler).toHaveBeenCalledWith(event, context, expect.objectContaining({ subject: 'alice' }));
  });

  it('fails at protect() time, not per request, for a bad policy', () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    const bad = { scopes: 'read' } as unknown as { scopes: string[] };
    expect(() => rs.protect(ok, bad)).toThrow(RsConfigError);
    expect(() => rs.protect(ok, bad)).toThrow(/protect\.policy\.scopes/);
    expect(() => withAuth(ok, { resolver: issuer.resolver, policy: bad })).toThrow(RsConfigError);
  });

  it('fails at start-up for a bad maxFormBodyBytes', () => {
    expect(() => createLambdaResourceServer({ resolver: issuer.resolver, maxFormBodyBytes: -1 })).toThrow(
      /maxFormBodyBytes/,
    );
  });

  it('applies the route policy and the server policy', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, policy: { scopes: ['read'] } });
    const handler = rs.protect(ok, { scopes: ['write'] });
    const readOnly = await issuer.mint({ scope: 'read' });
    const writeOnly = await issuer.mint({ scope: 'write' });
    const both = await issuer.mint({ scope: 'read write' });
    const call = async (token: string) =>
      (
        await handler(
          restApiEvent({ method: 'POST', target: '/items', headers: { Authorization: `Bearer ${token}` } }),
          lambdaContext(),
        )
      ).statusCode;
    expect([await call(readOnly), await call(writeOnly), await call(both)]).toEqual([403, 403, 200]);
  });
});

describe('success headers', () => {
  const queryTokenServer = () =>
    createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { query: true } });

  it('adds cache-control: private for a query token, keeping the handler headers', async () => {
    const token = await issuer.mint();
    const handler = queryTokenServer().protect(async () => ({
      statusCode: 200,
      headers: { ETag: '"1"' },
      body: '{}',
    }));
    const result = await handler(
      restApiEvent({ method: 'GET', target: `/items?access_token=${token}` }),
      lambdaContext(),
    );
    expect(result.headers).toEqual({ ETag: '"1"', 'cache-control': 'private' });
  });

  it('extends a cache-control the handler set, in its spelling, rather than weakening it', async () => {
    const token = await issuer.mint();
    const handler = queryTokenServer().protect(async () => ({
      statusCode: 200,
      headers: { 'Cache-Control': 'no-store' },
      body: '{}',
    }));
    const result = await handler(
      restApiEvent({ method: 'GET', target: `/items?access_token=${token}` }),
      lambdaContext(),
    );
    expect(result.headers).toEqual({ 'Cache-Control': 'no-store, private' });
  });

  it('adds to multiValueHeaders when the handler set the header there', async () => {
    const token = await issuer.mint();
    const handler = queryTokenServer().protect(async () => ({
      statusCode: 200,
      multiValueHeaders: { 'cache-control': ['max-age=60'] },
      body: '{}',
    }));
    const result = await handler(
      restApiEvent({ method: 'GET', target: `/items?access_token=${token}` }),
      lambdaContext(),
    );
    expect(result.multiValueHeaders).toEqual({ 'cache-control': ['max-age=60', 'private'] });
    expect(restApiResponse(result).headers['cache-control']).toBe('max-age=60, private');
  });

  it('adds them to an HTTP API result without touching the handler result object', async () => {
    const token = await issuer.mint();
    const returned = {
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'ok',
      cookies: ['a=1'],
    };
    const handler = queryTokenServer().protect(async (_event: APIGatewayProxyEventV2) => returned);
    const result = await handler(
      httpApiEvent({ method: 'GET', target: `/items?access_token=${token}` }),
      lambdaContext(),
    );
    expect(result).toEqual({
      ...returned,
      headers: { 'content-type': 'text/plain', 'cache-control': 'private' },
    });
    expect(returned.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('adds them to what API Gateway answers for a payload 2.0 result without statusCode, not into its body', async () => {
    // Payload 2.0 takes such a result whole as a JSON body: headers set on it would be body, never headers.
    const token = await issuer.mint();
    const event = httpApiEvent({ method: 'GET', target: `/items?access_token=${token}` });
    const returns = (value: unknown) =>
      queryTokenServer().protect(
        async (_event: APIGatewayProxyEventV2) => value as APIGatewayProxyStructuredResultV2,
      );
    for (const [returned, body] of [
      ['hello', 'hello'],
      [{ message: 'hi' }, '{"message":"hi"}'],
      [{ body: 'not a response without statusCode' }, '{"body":"not a response without statusCode"}'],
    ] as const) {
      const response = httpApiResponse(await returns(returned)(event, lambdaContext()));
      expect(response).toEqual({
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'private' },
        body,
      });
    }
  });

  describe('a fresh DPoP-Nonce on an accepted request', () => {
    // A proof carrying the previous slot's nonce is accepted, and the answer hands the client the current
    // one (RFC 9449 §8.2). A nonce is one value: the handler's own is replaced, never joined to core's.
    const PUBLIC_URL = 'https://abcdef1234.execute-api.us-east-1.amazonaws.com';
    const NONCE_SECRET = 'a shared secret of at least thirty-two bytes';
    const LIFETIME_SECONDS = 300;
    let key: DpopKey;
    let boundToken: string;
    beforeAll(async () => {
      key = await generateDpopKey();
      boundToken = await issuer.mint({ scope: 'read', cnf: { jkt: key.thumbprint } });
    });

    // The server's clock stands still at one instant, so that no slot boundary falls between the nonces
    // computed here and the server's.
    const now = Date.now();
    const nonceServer = () =>
      createLambdaResourceServer({
        resolver: issuer.resolver,
        publicUrl: PUBLIC_URL,
        clock: () => now,
        dpop: { nonces: rotatingDpopNonces({ secret: NONCE_SECRET, lifetime: LIFETIME_SECONDS }) },
      });
    const nonces = rotatingDpopNonces({ secret: NONCE_SECRET, lifetime: LIFETIME_SECONDS });
    const previousNonce = () => nonces.current(now - LIFETIME_SECONDS * 1000);
    const eventWithPreviousNonce = async () =>
      restApiEvent({
        method: 'GET',
        target: '/items',
        headers: {
          Authorization: `DPoP ${boundToken}`,
          DPoP: await key.proof('GET', `${PUBLIC_URL}/prod/items`, boundToken, {
            nonce: await previousNonce(),
          }),
        },
      });

    it('replaces a DPoP-Nonce the handler set in headers, in any spelling', async () => {
      const handler = nonceServer().protect(async () => ({
        statusCode: 200,
        headers: { 'DPoP-Nonce': 'the-handler-own', ETag: '"1"' },
        body: 'ok',
      }));
      const result = await handler(await eventWithPreviousNonce(), lambdaContext());
      const current = await nonces.current(now);
      expect(result.statusCode).toBe(200);
      expect(result.headers).toEqual({ ETag: '"1"', 'dpop-nonce': current });
      expect(restApiResponse(result).headers['dpop-nonce']).toBe(current);
    });

    it('replaces a DPoP-Nonce the handler set in multiValueHeaders or in both maps', async () => {
      const handler = nonceServer().protect(async () => ({
        statusCode: 200,
        headers: { 'dpop-nonce': 'own-single' },
        multiValueHeaders: { 'DPoP-Nonce': ['own-multi'] },
        body: 'ok',
      }));
      const result = await handler(await eventWithPreviousNonce(), lambdaContext());
      const current = await nonces.current(now);
      expect(result.headers).toEqual({});
      expect(result.multiValueHeaders).toEqual({ 'dpop-nonce': [current] });
      expect(restApiResponse(result).headers['dpop-nonce']).toBe(current);
    });
  });

  it('returns the handler result unchanged when core adds no header', async () => {
    const token = await issuer.mint();
    const returned = { statusCode: 204, body: '' };
    const handler = createLambdaResourceServer({ resolver: issuer.resolver }).protect(async () => returned);
    const event = restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await handler(event, lambdaContext())).toBe(returned);
  });
});

describe('form bodies', () => {
  const formServer = (maxFormBodyBytes?: number) =>
    createLambdaResourceServer({
      resolver: issuer.resolver,
      tokenLocations: { formBody: true },
      maxFormBodyBytes,
    });
  const post = async (event: APIGatewayProxyEvent, maxFormBodyBytes?: number) =>
    restApiResponse(await formServer(maxFormBodyBytes).protect(ok)(event, lambdaContext()));

  it('reads a token from a base64-encoded form body (binary media types on a REST API)', async () => {
    const { headers, body } = formBody({ access_token: await issuer.mint({ sub: 'bob' }), note: 'hi' });
    const event = restApiEvent({
      method: 'POST',
      target: '/items',
      headers,
      body: Buffer.from(body).toString('base64'),
      base64: true,
    });
    const response = await post(event);
    expect(response.status).toBe(200);
    expect(jsonBody(response)).toEqual({ subject: 'bob', location: 'form-body' });
  });

  it('reads a token from a plain form body', async () => {
    const { headers, body } = formBody({ access_token: await issuer.mint() });
    expect((await post(restApiEvent({ method: 'POST', target: '/items', headers, body }))).status).toBe(200);
  });

  it('keeps a repeated access_token repeated, so core refuses it', async () => {
    const token = await issuer.mint();
    const body = `access_token=${token}&access_token=${token}`;
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const response = await post(restApiEvent({ method: 'POST', target: '/items', headers, body }));
    expect(response.status).toBe(400);
    expect(jsonBody(response)).toMatchObject({ code: 'multiple_token_methods' });
  });

  // A body too large to read may hold a token: the event is refused, never decided as if it held none (a
  // header token beside it would pass as the only method, an optional route would let it in).
  it('refuses a form body larger than maxFormBodyBytes with 400, plain or base64, with or without a header token', async () => {
    const token = await issuer.mint();
    const { headers, body } = formBody({ access_token: token, padding: 'x'.repeat(2048) });
    const encodedBody = Buffer.from(body).toString('base64');
    const tooLarge = {
      error: 'invalid_request',
      error_description: 'The form body is too large to look for an access token in',
      code: 'malformed_authorization',
    };
    for (const withHeader of [headers, { ...headers, Authorization: `Bearer ${token}` }]) {
      const plain = restApiEvent({ method: 'POST', target: '/items', headers: withHeader, body });
      const encoded = restApiEvent({
        method: 'POST',
        target: '/items',
        headers: withHeader,
        body: encodedBody,
        base64: true,
      });
      for (const event of [plain, encoded]) {
        const response = await post(event, 1024);
        expect(response.status).toBe(400);
        expect(jsonBody(response)).toEqual(tooLarge);
      }
      const optional = formServer(1024).protectOptional(async () => ({ statusCode: 200, body: 'in' }));
      expect((await optional(plain, lambdaContext())).statusCode).toBe(400);
    }
    expect((await post(restApiEvent({ method: 'POST', target: '/items', headers, body }), 4096)).status).toBe(
      200,
    );
  });

  it('refuses a form body that is not valid base64 with 400, rather than read it as holding no token', async () => {
    const token = await issuer.mint();
    const event = restApiEvent({
      method: 'POST',
      target: '/items',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${token}` },
      body: 'not base64!',
      base64: true,
    });
    const response = await post(event);
    expect(response.status).toBe(400);
    expect(jsonBody(response)).toEqual({
      error: 'invalid_request',
      error_description: 'The form body could not be read to look for an access token in',
      code: 'malformed_authorization',
    });
  });

  it('refuses a too large form body on HTTP API and load balancer events alike', async () => {
    const token = await issuer.mint();
    const { headers, body } = formBody({ access_token: token, padding: 'x'.repeat(2048) });
    const rs = formServer(1024);
    const httpApi = httpApiEvent({
      method: 'POST',
      target: '/items',
      headers: { ...headers, Authorization: `Bearer ${token}` },
      body,
    });
    const answer = await rs.protect(async (_event: APIGatewayProxyEventV2) => ({ body: 'in' }))(
      httpApi,
      lambdaContext(),
    );
    expect(answer).toMatchObject({ statusCode: 400 });
    const alb = {
      ...albEvent({
        headers: { 'content-type': headers['Content-Type']!, authorization: `Bearer ${token}` },
      }),
      httpMethod: 'POST',
      body,
    };
    const albAnswer = await rs.protectAlb(async () => ({ statusCode: 200, body: 'in' }))(
      alb,
      lambdaContext(),
    );
    expect(albAnswer).toMatchObject({ statusCode: 400 });
  });

  it('ignores form bodies when form tokens are off, and bodies of another media type', async () => {
    const { headers, body } = formBody({ access_token: await issuer.mint() });
    const off = createLambdaResourceServer({ resolver: issuer.resolver }).protect(ok);
    const offResult = await off(
      restApiEvent({ method: 'POST', target: '/items', headers, body }),
      lambdaContext(),
    );
    expect(offResult.statusCode).toBe(401);
    const json = restApiEvent({
      method: 'POST',
      target: '/items',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect((await post(json)).status).toBe(401);
  });

  it('reads the base64 form body of an HTTP API event', async () => {
    const { headers, body } = formBody({ access_token: await issuer.mint() });
    const event = httpApiEvent({ method: 'POST', target: '/items', headers, body });
    expect(event.isBase64Encoded).toBe(true);
    const handler = formServer().protect(async (_event: APIGatewayProxyEventV2, _context, oauth2) => ({
      body: oauth2.location,
    }));
    expect((await handler(event, lambdaContext())).body).toBe('form-body');
  });
});

describe('authenticate and withAuth', () => {
  it('authenticate returns the ready response and core rejection', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    const result = await rs.authenticate(httpApiEvent({ method: 'GET', target: '/items' }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.code).toBe('token_missing');
      expect(result.response.statusCode).toBe(401);
    }
  });

  it('withAuth protects a single handler with the server-wide policy', async () => {
    const handler = withAuth(ok, { resolver: issuer.resolver, policy: { scopes: ['admin'] } });
    const token = await issuer.mint({ scope: 'read' });
    const event = restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { Authorization: `Bearer ${token}` },
    });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(403);
    expect(result.headers?.['www-authenticate']).toContain('scope="admin"');
  });
});

describe('a prebuilt resource server', () => {
  const event = async (scope: string) =>
    restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { authorization: `Bearer ${await issuer.mint({ sub: 'alice', scope })}` },
    });

  it('is used as it is, by createLambdaResourceServer and withAuth alike', async () => {
    const shared = createResourceServer({
      resolver: issuer.resolver,
      realm: 'shared',
      policy: { scopes: ['read'] },
    });
    const rs = createLambdaResourceServer({ resourceServer: shared });
    expect(rs.resourceServer).toBe(shared);
    const accepted = await rs.protect(ok)(await event('read'), lambdaContext());
    expect(jsonBody(restApiResponse(accepted))).toEqual({
      subject: 'alice',
      location: 'authorization-header',
    });
    const refused = await withAuth(ok, { resourceServer: shared })(await event('write'), lambdaContext());
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['www-authenticate']).toContain('realm="shared"');
  });

  it('fails at cold start when it is not a resource server', () => {
    const notOne = { resourceServer: {} } as unknown as LambdaResourceServerOptions;
    expect(() => createLambdaResourceServer(notOne)).toThrow(RsConfigError);
    expect(() => createLambdaResourceServer(notOne)).toThrow(/"resourceServer"/);
  });

  it("fails at cold start, by name, when given an adapter's instance instead of the core resource server", () => {
    const adapter = createLambdaResourceServer({ resolver: issuer.resolver });
    const build = () =>
      createLambdaResourceServer({ resourceServer: adapter } as unknown as LambdaResourceServerOptions);
    expect(build).toThrow(RsConfigError);
    expect(build).toThrow(/"resourceServer".*createResourceServer/);
    expect(() => createLambdaResourceServer({ resourceServer: adapter.resourceServer })).not.toThrow();
  });

  it('refuses a route policy given as undefined (misspelt or unloaded), which would leave the route to the server policy', () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    const policies: Record<string, { scopes: string[] }> = { admin: { scopes: ['admin'] } };
    const handler = async () => ({ statusCode: 200, body: 'ok' });
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protect(handler, policies.admn)).toThrow(/"protect.policy": is undefined/);
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protectOptional(handler, policies.admn)).toThrow(
      /"protectOptional.policy": is undefined/,
    );
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protectAlb(handler as never, policies.admn)).toThrow(/"protectAlb.policy": is undefined/);
    expect(() => rs.restAuthorizer({ policy: policies.admn })).toThrow(
      /"restAuthorizer.policy": is undefined/,
    );
    expect(() => rs.protect(handler)).not.toThrow();
    expect(() => rs.restAuthorizer({})).not.toThrow();
  });
});
