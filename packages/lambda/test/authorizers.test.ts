import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createLambdaResourceServer,
  type HttpApiIamAuthorizerHandler,
  type HttpApiSimpleAuthorizerHandler,
} from '../src/index.js';
import {
  httpApiAuthorizerEvent,
  METHOD_ARN,
  requestAuthorizerEvent,
  tokenAuthorizerEvent,
} from './fixtures/authorizer-events.js';

let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  token = await issuer.mint({ sub: 'alice', scope: 'read write', tenant: 'acme', roles: ['a', 'b'] });
});

const rsOf = () => createLambdaResourceServer({ resolver: issuer.resolver, realm: 'api' });
const allow = (resource = METHOD_ARN) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
});
const deny = (resource = METHOD_ARN) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }],
});

describe('REST API TOKEN authorizer', () => {
  it('allows a real token: principalId is the subject, context the claims flattened to scalars', async () => {
    const result = await rsOf().restAuthorizer()(tokenAuthorizerEvent(`Bearer ${token}`));
    expect(result.principalId).toBe('alice');
    expect(result.policyDocument).toEqual(allow());
    expect(result.context).toMatchObject({
      sub: 'alice',
      scope: 'read write',
      tenant: 'acme',
      roles: '["a","b"]',
      iss: issuer.issuer,
      aud: issuer.audience,
    });
    expect(typeof result.context?.exp).toBe('number');
    for (const value of Object.values(result.context ?? {})) {
      expect(['string', 'number', 'boolean']).toContain(typeof value);
      expect(String(value)).not.toContain(token);
    }
    // Core saw the method and the URL of the invoked method, from the method ARN.
    expect(issuer.seen.at(-1)).toMatchObject({
      method: 'GET',
      url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/test/request',
    });
  });

  it('passes only the chosen claims, and allows the whole stage with policyScope "stage"', async () => {
    const authorizer = rsOf().restAuthorizer({
      contextClaims: ['sub', 'tenant', 'missing'],
      policyScope: 'stage',
    });
    const result = await authorizer(tokenAuthorizerEvent(`Bearer ${token}`));
    expect(result.context).toEqual({ sub: 'alice', tenant: 'acme' });
    expect(result.policyDocument).toEqual(
      allow('arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*'),
    );
  });

  it('throws exactly "Unauthorized" (API Gateway answers 401) for a missing, bad or malformed token', async () => {
    const authorizer = rsOf().restAuthorizer();
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const value of ['', 'Bearer', `Bearer ${tampered}`, `Basic ${btoa('a:b')}`, `Bearer ${token} x`]) {
      await expect(authorizer(tokenAuthorizerEvent(value))).rejects.toThrow(/^Unauthorized$/);
    }
    const expired = await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 60 });
    await expect(authorizer(tokenAuthorizerEvent(`Bearer ${expired}`))).rejects.toThrow(/^Unauthorized$/);
    // An event that is not a method invocation is no request at all.
    await expect(authorizer(tokenAuthorizerEvent(`Bearer ${token}`, 'not-an-arn'))).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('answers a Deny policy (API Gateway answers 403) when the policy refuses the token', async () => {
    const result = await rsOf().restAuthorizer({ policy: { scopes: ['admin'] } })(
      tokenAuthorizerEvent(`Bearer ${token}`),
    );
    expect(result.policyDocument).toEqual(deny());
    expect(result.context).toBeUndefined();
  });

  it('throws another error (API Gateway answers 500, never allows) when keys are unavailable', async () => {
    const unavailable = createLambdaResourceServer({
      resolver: {
        resolve: async () => ({ ok: false, failure: { code: 'keys_unavailable', description: 'down' } }),
      },
    });
    const error = await unavailable
      .restAuthorizer()(tokenAuthorizerEvent(`Bearer ${token}`))
      .catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toBe('Unauthorized');
    expect(error.message).toContain('keys_unavailable');
  });

  it('checks its settings when built', () => {
    expect(() => rsOf().restAuthorizer({ policy: { scopes: 'read' as never } })).toThrow(
      /restAuthorizer\.policy/,
    );
    expect(() => rsOf().restAuthorizer({ policyScope: 'api' as never })).toThrow(
      /restAuthorizer\.policyScope/,
    );
    expect(() => rsOf().restAuthorizer({ context: [] } as never)).toThrow(/restAuthorizer\.context/);
  });
});

describe('REST API REQUEST authorizer', () => {
  it('decides from the request: headers, path and query as the client sent them', async () => {
    const result = await rsOf().restAuthorizer({ policy: { scopes: ['read'] } })(
      requestAuthorizerEvent({ Authorization: `Bearer ${token}` }),
    );
    expect(result).toMatchObject({ principalId: 'alice', policyDocument: allow() });
    expect(issuer.seen.at(-1)).toMatchObject({
      method: 'GET',
      url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/test/request?QueryString1=queryValue1',
      peerAddress: '192.0.2.1',
    });
  });

  it('refuses a repeated Authorization header (seen in multiValueHeaders) as Unauthorized', async () => {
    const event = requestAuthorizerEvent({ Authorization: `Bearer ${token}` });
    const repeated = {
      ...event,
      multiValueHeaders: { ...event.multiValueHeaders, Authorization: [`Bearer ${token}`, 'Bearer x'] },
    };
    await expect(rsOf().restAuthorizer()(repeated)).rejects.toThrow(/^Unauthorized$/);
    await expect(rsOf().restAuthorizer()(requestAuthorizerEvent())).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('HTTP API authorizer (payload format 2.0)', () => {
  it('simple responses: isAuthorized with the claims as context, or isAuthorized false', async () => {
    const authorizer = rsOf().httpApiAuthorizer({ policy: { scopes: ['write'] } });
    expectTypeOf(authorizer).toEqualTypeOf<HttpApiSimpleAuthorizerHandler>();
    const accepted = await authorizer(httpApiAuthorizerEvent({ authorization: `Bearer ${token}` }));
    expect(accepted).toMatchObject({ isAuthorized: true, context: { sub: 'alice', tenant: 'acme' } });
    expect(issuer.seen.at(-1)).toMatchObject({
      method: 'POST',
      url: 'https://abcdef123.execute-api.us-east-1.amazonaws.com/my/path?parameter1=value1&parameter1=value2&parameter2=value',
      peerAddress: '192.0.2.1',
    });

    expect(await authorizer(httpApiAuthorizerEvent({ authorization: 'Bearer nope' }))).toEqual({
      isAuthorized: false,
    });
    expect(await authorizer(httpApiAuthorizerEvent())).toEqual({ isAuthorized: false });
    const readOnly = await issuer.mint({ scope: 'read' });
    expect(await authorizer(httpApiAuthorizerEvent({ authorization: `Bearer ${readOnly}` }))).toEqual({
      isAuthorized: false,
    });
  });

  it('IAM responses: Allow or Deny on the route ARN', async () => {
    const authorizer = rsOf().httpApiAuthorizer({ response: 'iam', contextClaims: ['sub'] });
    expectTypeOf(authorizer).toEqualTypeOf<HttpApiIamAuthorizerHandler>();
    const routeArn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/POST/my/path';
    expect(await authorizer(httpApiAuthorizerEvent({ authorization: `Bearer ${token}` }))).toEqual({
      principalId: 'alice',
      policyDocument: allow(routeArn),
      context: { sub: 'alice' },
    });
    expect(await authorizer(httpApiAuthorizerEvent({ authorization: 'Bearer nope' }))).toEqual({
      principalId: 'anonymous',
      policyDocument: deny(routeArn),
    });
  });

  it("reads a token cookie from the event's cookies (HTTP APIs send no Cookie header)", async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { cookie: 'at' } });
    const event = httpApiAuthorizerEvent({}, ['theme=dark', `at=${token}`]);
    expect(await rs.httpApiAuthorizer()(event)).toMatchObject({ isAuthorized: true });
    expect(issuer.seen.at(-1)?.headers.cookie).toBe(`theme=dark; at=${token}`);
  });
});
