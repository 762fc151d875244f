import { type TestIssuer, testIssuer } from '@rs/testkit';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createLambdaResourceServer,
  type OptionallyProtectedHandler,
  type ProtectedAlbHandler,
  type ProtectedHandler,
} from '../src/index.js';
import { albRequest } from '../src/request/alb-request.js';
import { httpApiRequest } from '../src/request/http-api-request.js';
import { restApiRequest } from '../src/request/rest-api-request.js';
import { albEvent } from './fixtures/alb-event.js';
import {
  httpApiAuthorizerEvent,
  requestAuthorizerEvent,
  tokenAuthorizerEvent,
} from './fixtures/authorizer-events.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

// Events as API Gateway, the ALB, a console test or a hand-made fixture may hand them over: loosely typed.
type Loose = Record<string, unknown>;

let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  token = await issuer.mint({ sub: 'alice', scope: 'read' });
});

const noForm = { enabled: false, maxBytes: 0 };
const rsOf = (options: { query?: boolean } = {}) =>
  createLambdaResourceServer({
    resolver: issuer.resolver,
    realm: 'api',
    tokenLocations: { query: options.query === true },
  });
const ok: ProtectedHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject }),
});
const okHttp: ProtectedHandler<APIGatewayProxyEventV2> = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject }),
});
const optional: OptionallyProtectedHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2?.subject ?? null }),
});
const okAlb: ProtectedAlbHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject }),
});

/** A REST API event (payload 1.0) for `GET /items`, its header maps and other fields replaced as given. */
function restEvent(fields: Loose): APIGatewayProxyEvent {
  return {
    ...restApiEvent({ method: 'GET', target: '/items' }),
    ...fields,
  } as unknown as APIGatewayProxyEvent;
}

/** An HTTP API event (payload 2.0) for `GET /items`, fields replaced as given. */
function httpEvent(fields: Loose): APIGatewayProxyEventV2 {
  return {
    ...httpApiEvent({ method: 'GET', target: '/items' }),
    ...fields,
  } as unknown as APIGatewayProxyEventV2;
}

/** An ALB event for `GET /items`, fields replaced as given. */
function loadBalancerEvent(fields: Loose, multiValue = false): ALBEvent {
  return { ...albEvent({ multiValue }), ...fields } as unknown as ALBEvent;
}

async function statusOf(result: Promise<{ statusCode?: number; body?: string }>) {
  const { statusCode, body } = await result;
  return { statusCode, code: body?.includes('"code"') ? JSON.parse(body).code : undefined };
}

describe('header values that are not text count as not sent', () => {
  const notText = [null, 42, {}];

  it.each(notText)('REST API: Authorization %s, in either map, answers 401 token_missing', async (value) => {
    const handler = vi.fn(ok);
    const protectedRoute = rsOf().protect(handler);
    for (const event of [
      restEvent({ headers: { Authorization: value }, multiValueHeaders: null }),
      restEvent({ headers: null, multiValueHeaders: { Authorization: value } }),
      restEvent({ headers: null, multiValueHeaders: { Authorization: [value] } }),
      restEvent({ headers: { Authorization: value }, multiValueHeaders: { Authorization: value } }),
    ]) {
      expect(await statusOf(protectedRoute(event, lambdaContext()))).toEqual({
        statusCode: 401,
        code: 'token_missing',
      });
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it.each(notText)('REST API: another header %s leaves a good token accepted', async (value) => {
    const bearer = `Bearer ${token}`;
    const protectedRoute = rsOf().protect(ok);
    for (const event of [
      restEvent({ headers: { Authorization: bearer }, multiValueHeaders: { 'X-Other': value } }),
      restEvent({ headers: { Authorization: bearer, 'X-Other': value }, multiValueHeaders: null }),
      restEvent({ headers: null, multiValueHeaders: { Authorization: [bearer, value], 'X-Other': [value] } }),
      // A multi-value entry without a value does not hide the single-value one.
      restEvent({ headers: { Authorization: bearer }, multiValueHeaders: { Authorization: value } }),
    ]) {
      expect(await statusOf(protectedRoute(event, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
    }
  });

  it('REST API: an event without requestContext is answered, its path and host read from elsewhere', async () => {
    const bearer = `Bearer ${token}`;
    for (const requestContext of [undefined, null]) {
      const event = restEvent({
        requestContext,
        headers: { Authorization: bearer, Host: 'api.example.com' },
        multiValueHeaders: null,
      });
      expect(await statusOf(rsOf().protect(ok)(event, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
      expect(issuer.seen.at(-1)).toMatchObject({ url: 'https://api.example.com/items' });
      const bare = restEvent({
        requestContext,
        path: undefined,
        httpMethod: null,
        headers: null,
        multiValueHeaders: null,
      });
      expect(await statusOf(rsOf().protect(ok)(bare, lambdaContext()))).toEqual({
        statusCode: 401,
        code: 'token_missing',
      });
      expect(restApiRequest(bare, noForm, undefined)).toMatchObject({
        method: '',
        url: 'https://unknown-host.invalid/',
        peerAddress: undefined,
        clientCertificate: undefined,
      });
    }
  });

  it('REST API: query values that are not text are not parameters', async () => {
    const event = restEvent({
      queryStringParameters: { access_token: null },
      multiValueQueryStringParameters: { access_token: [null], page: 'x', tag: [7, 'a'] },
    });
    expect(new URL(restApiRequest(event, noForm, undefined).url).search).toBe('?tag=a');
    const single = restEvent({ queryStringParameters: { access_token: null, page: '2' } });
    expect(new URL(restApiRequest(single, noForm, undefined).url).search).toBe('?page=2');
    expect(await statusOf(rsOf({ query: true }).protect(ok)(single, lambdaContext()))).toEqual({
      statusCode: 401,
      code: 'token_missing',
    });
  });

  it('REST authorizer: a REQUEST event with a null header or no requestContext is decided, not thrown on', async () => {
    const authorizer = rsOf().restAuthorizer();
    const nullHeader = {
      ...requestAuthorizerEvent(),
      headers: { Authorization: null },
      multiValueHeaders: null,
    };
    await expect(authorizer(nullHeader as never)).rejects.toThrow(/^Unauthorized$/);
    const noContext = {
      ...requestAuthorizerEvent({ Authorization: `Bearer ${token}` }),
      requestContext: undefined,
    };
    expect(await authorizer(noContext as never)).toMatchObject({ principalId: 'alice' });
  });

  it.each(notText)('HTTP API: authorization %s answers 401; null cookies are no cookies', async (value) => {
    const protectedRoute = rsOf().protect(okHttp);
    expect(
      await statusOf(protectedRoute(httpEvent({ headers: { authorization: value } }), lambdaContext())),
    ).toEqual({ statusCode: 401, code: 'token_missing' });
    const withToken = { headers: { authorization: `Bearer ${token}`, 'x-other': value } };
    for (const cookies of [value, [value], [value, 'a=b']]) {
      expect(await statusOf(protectedRoute(httpEvent({ ...withToken, cookies }), lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
    }
    expect(
      httpApiRequest(httpEvent({ cookies: [value, 'a=b', ' c=d '] }), noForm, undefined).headers.cookie,
    ).toBe('a=b; c=d');
  });

  it('HTTP API: an event without requestContext, or without its http block, is answered', async () => {
    for (const requestContext of [undefined, null, {}, { http: null }]) {
      const event = httpEvent({
        requestContext,
        headers: { authorization: `Bearer ${token}`, host: 'api.example.com' },
      });
      expect(await statusOf(rsOf().protect(okHttp)(event, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
      const bare = httpEvent({ requestContext, headers: null, rawPath: null, rawQueryString: null });
      expect(httpApiRequest(bare, noForm, undefined)).toMatchObject({
        method: '',
        url: 'https://unknown-host.invalid/',
        peerAddress: undefined,
        clientCertificate: undefined,
      });
    }
    const authorizerEvent = {
      ...httpApiAuthorizerEvent({ authorization: `Bearer ${token}` }),
      requestContext: null,
    };
    expect(await rsOf().httpApiAuthorizer()(authorizerEvent as never)).toMatchObject({ isAuthorized: true });
  });

  it.each(notText)('ALB: authorization %s answers 401 in both header shapes', async (value) => {
    const protectedRoute = rsOf().protectAlb(okAlb);
    for (const event of [
      loadBalancerEvent({ headers: { authorization: value, 'x-forwarded-proto': 'https' } }),
      loadBalancerEvent(
        { multiValueHeaders: { authorization: value, 'x-forwarded-proto': ['https'] } },
        true,
      ),
      loadBalancerEvent(
        { multiValueHeaders: { authorization: [value], 'x-forwarded-proto': ['https'] } },
        true,
      ),
    ]) {
      expect(await statusOf(protectedRoute(event, lambdaContext()))).toEqual({
        statusCode: 401,
        code: 'token_missing',
      });
    }
    const other = loadBalancerEvent(
      {
        multiValueHeaders: {
          authorization: [`Bearer ${token}`],
          'x-other': value,
          'x-forwarded-proto': ['https'],
        },
      },
      true,
    );
    expect(await statusOf(protectedRoute(other, lambdaContext()))).toEqual({
      statusCode: 200,
      code: undefined,
    });
  });

  it('ALB: query values that are not text, a missing path and method are not thrown on', async () => {
    const event = loadBalancerEvent({ queryStringParameters: { access_token: null, page: '2' } });
    expect(new URL(albRequest(event, noForm, undefined).url).search).toBe('?page=2');
    expect(await statusOf(rsOf({ query: true }).protectAlb(okAlb)(event, lambdaContext()))).toEqual({
      statusCode: 401,
      code: 'token_missing',
    });
    const multi = loadBalancerEvent(
      { multiValueQueryStringParameters: { a: [null, 'b'], c: 'd', e: null } },
      true,
    );
    expect(new URL(albRequest(multi, noForm, undefined).url).search).toBe('?a=b');
    const bare = loadBalancerEvent({ path: null, httpMethod: undefined, headers: null });
    expect(albRequest(bare, noForm, undefined)).toMatchObject({
      method: '',
      url: 'http://unknown-host.invalid/?page=2',
    });
  });
});

describe('two spellings of one header name in single-value headers are the header sent twice', () => {
  const valid = () => `Bearer ${token}`;
  const basic = 'Basic eA==';

  it('REST API: refuses Authorization and authorization 400, whichever key comes first', async () => {
    const protectedRoute = rsOf().protect(ok);
    for (const headers of [
      { Authorization: valid(), authorization: basic },
      { authorization: basic, Authorization: valid() },
      { Authorization: valid(), AUTHORIZATION: valid() },
    ]) {
      for (const multiValueHeaders of [null, undefined, {}, { Accept: ['*/*'] }]) {
        const result = await statusOf(
          protectedRoute(restEvent({ headers, multiValueHeaders }), lambdaContext()),
        );
        expect(result).toEqual({ statusCode: 400, code: 'malformed_authorization' });
      }
    }
    const optionalRoute = rsOf().protectOptional(optional);
    const split = restEvent({
      headers: { authorization: basic, Authorization: valid() },
      multiValueHeaders: null,
    });
    expect((await optionalRoute(split, lambdaContext())).statusCode).toBe(400);
  });

  it('REST API: a spelling that only the single-value map carries is a second value, not hidden', async () => {
    const event = restEvent({
      headers: { Authorization: valid(), authorization: basic },
      multiValueHeaders: { Authorization: [valid()] },
    });
    expect(await statusOf(rsOf().protect(ok)(event, lambdaContext()))).toEqual({
      statusCode: 400,
      code: 'malformed_authorization',
    });
  });

  it('keeps every value of another header as a list, in both REST maps and in ALB events', () => {
    const event = restEvent({ headers: { 'X-Trace': 'a', 'x-trace': 'b' }, multiValueHeaders: null });
    expect(restApiRequest(event, noForm, undefined).headers['x-trace']).toEqual(['a', 'b']);
    const consistent = restEvent({
      headers: { 'X-Trace': 'b' },
      multiValueHeaders: { 'X-Trace': ['a', 'b'] },
    });
    expect(restApiRequest(consistent, noForm, undefined).headers['x-trace']).toEqual(['a', 'b']);
    const alb = loadBalancerEvent({ headers: { 'X-Trace': 'a', 'x-trace': 'b', host: 'h.example' } });
    expect(albRequest(alb, noForm, undefined).headers['x-trace']).toEqual(['a', 'b']);
  });

  it('ALB and HTTP API: two spellings of Authorization are refused 400', async () => {
    const alb = loadBalancerEvent({
      headers: {
        authorization: valid(),
        Authorization: basic,
        'x-forwarded-proto': 'https',
        host: 'h.example',
      },
    });
    expect(await statusOf(rsOf().protectAlb(okAlb)(alb, lambdaContext()))).toEqual({
      statusCode: 400,
      code: 'malformed_authorization',
    });
    const http = httpEvent({ headers: { Authorization: basic, authorization: valid() } });
    expect(await statusOf(rsOf().protect(okHttp)(http, lambdaContext()))).toEqual({
      statusCode: 400,
      code: 'malformed_authorization',
    });
  });
});

describe('spaces and tabs around a header value are not part of it (RFC 9110 §5.5)', () => {
  const padded = () => [` Bearer ${token}`, `Bearer ${token} `, `\t Bearer ${token} \t`];

  it('REST API: a padded Authorization header is read as the client meant it', async () => {
    for (const header of padded()) {
      for (const event of [
        restEvent({ headers: { Authorization: header }, multiValueHeaders: null }),
        restEvent({ headers: { Authorization: header }, multiValueHeaders: { Authorization: [header] } }),
      ]) {
        expect(await statusOf(rsOf().protect(ok)(event, lambdaContext()))).toEqual({
          statusCode: 200,
          code: undefined,
        });
        // An optional route sees the token, not an anonymous request.
        const result = await rsOf().protectOptional(optional)(event, lambdaContext());
        expect(JSON.parse(result.body)).toEqual({ subject: 'alice' });
      }
    }
  });

  it('HTTP API, ALB and the authorizers strip them too', async () => {
    for (const header of padded()) {
      const http = httpEvent({ headers: { authorization: header } });
      expect(await statusOf(rsOf().protect(okHttp)(http, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
      const alb = albEvent({ headers: { authorization: header } });
      expect(await statusOf(rsOf().protectAlb(okAlb)(alb, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
      const multiAlb = albEvent({ multiValue: true, headers: { authorization: [header] } });
      expect(await statusOf(rsOf().protectAlb(okAlb)(multiAlb, lambdaContext()))).toEqual({
        statusCode: 200,
        code: undefined,
      });
      expect(await rsOf().restAuthorizer()(tokenAuthorizerEvent(header))).toMatchObject({
        principalId: 'alice',
      });
      expect(await rsOf().restAuthorizer()(requestAuthorizerEvent({ Authorization: header }))).toMatchObject({
        principalId: 'alice',
      });
      expect(
        await rsOf().httpApiAuthorizer()(httpApiAuthorizerEvent({ authorization: header })),
      ).toMatchObject({
        isAuthorized: true,
      });
    }
  });

  it('strips every header value, and only spaces and tabs', () => {
    const event = restEvent({
      headers: { Host: ' api.example.com\t', 'X-Trace': '  ', 'X-Line': '\nkept\r' },
      multiValueHeaders: { Accept: [' text/plain ', '\tapplication/json'] },
    });
    const request = restApiRequest(event, noForm, undefined);
    expect(request.url).toBe('https://api.example.com/prod/items');
    expect(request.headers).toMatchObject({
      host: 'api.example.com',
      'x-trace': '',
      'x-line': '\nkept\r',
      accept: ['text/plain', 'application/json'],
    });
    const alb = albRequest(
      loadBalancerEvent({ headers: { host: ' h.example ', 'x-forwarded-proto': ' https ' } }),
      noForm,
      undefined,
    );
    expect(alb.url).toBe('https://h.example/items?page=2');
  });

  it('reads a form body whose Content-Type is padded', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { formBody: true } });
    const event = restEvent({
      httpMethod: 'POST',
      headers: { 'Content-Type': ' application/x-www-form-urlencoded' },
      multiValueHeaders: null,
      body: `access_token=${token}`,
    });
    expect(await statusOf(rs.protect(ok)(event, lambdaContext()))).toEqual({
      statusCode: 200,
      code: undefined,
    });
  });
});
