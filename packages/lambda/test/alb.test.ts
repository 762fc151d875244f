import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createLambdaResourceServer,
  type OptionallyProtectedAlbHandler,
  type ProtectedAlbHandler,
  type ProtectedHandler,
} from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import { lambdaContext } from './support/lambda-context.js';

let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  token = await issuer.mint({ sub: 'alice', scope: 'read' });
});

const ok: ProtectedAlbHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  statusDescription: '200 OK',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ subject: oauth2.subject }),
  isBase64Encoded: false,
});
const rsOf = () => createLambdaResourceServer({ resolver: issuer.resolver, realm: 'api' });

describe('Application Load Balancer events', () => {
  it('accepts a real token with single-value headers and rebuilds the URL the client used', async () => {
    const result = await rsOf().protectAlb(ok)(
      albEvent({ headers: { authorization: `Bearer ${token}` } }),
      lambdaContext(),
    );
    expect(result).toMatchObject({ statusCode: 200, body: JSON.stringify({ subject: 'alice' }) });
    expect(issuer.seen.at(-1)).toMatchObject({
      method: 'GET',
      url: 'https://lambda-alb-123578498.us-east-1.elb.amazonaws.com/items?page=2',
    });
  });

  it('answers a refusal in the load balancer shape: statusDescription, isBase64Encoded, headers', async () => {
    const handler = vi.fn(ok);
    const result = await rsOf().protectAlb(handler)(albEvent(), lambdaContext());
    expect(handler).not.toHaveBeenCalled();
    expect(result).toEqual({
      statusCode: 401,
      statusDescription: '401 Unauthorized',
      headers: {
        'www-authenticate': 'Bearer realm="api"',
        'cache-control': 'no-store',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ error_description: 'No access token in the request', code: 'token_missing' }),
      isBase64Encoded: false,
    });
  });

  it('with multi-value headers on: sees a repeated Authorization header and answers multiValueHeaders', async () => {
    const repeated = albEvent({
      multiValue: true,
      headers: { authorization: [`Bearer ${token}`, 'Bearer other'] },
    });
    const result = await rsOf().protectAlb(ok)(repeated, lambdaContext());
    expect(result).toMatchObject({
      statusCode: 400,
      statusDescription: '400 Bad Request',
      isBase64Encoded: false,
    });
    expect(result.headers).toBeUndefined();
    expect(result.multiValueHeaders?.['www-authenticate']?.[0]).toMatch(
      /^Bearer realm="api", error="invalid_request"/,
    );

    const single = albEvent({
      multiValue: true,
      headers: { authorization: `Bearer ${token}` },
      query: { a: ['1', '2'] },
    });
    expect(await rsOf().protectAlb(ok)(single, lambdaContext())).toMatchObject({ statusCode: 200 });
    expect(issuer.seen.at(-1)?.url).toBe(
      'https://lambda-alb-123578498.us-east-1.elb.amazonaws.com/items?a=1&a=2',
    );
  });

  it('answers 403 Forbidden for a policy refusal, and 400 for an HTTP listener (no TLS)', async () => {
    const scoped = await rsOf().protectAlb(ok, { scopes: ['admin'] })(
      albEvent({ headers: { authorization: `Bearer ${token}` } }),
      lambdaContext(),
    );
    expect(scoped).toMatchObject({ statusCode: 403, statusDescription: '403 Forbidden' });
    const plain = await rsOf().protectAlb(ok)(
      albEvent({ listener: 'http', headers: { authorization: `Bearer ${token}` } }),
      lambdaContext(),
    );
    expect(plain).toMatchObject({ statusCode: 400, body: expect.stringContaining('https_required') });
  });

  it('adds core success headers to the handler result (cache-control private for a query token)', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { query: true } });
    const result = await rs.protectAlb(ok)(albEvent({ query: { access_token: [token] } }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'private' } });
  });

  it('adds core success headers to multiValueHeaders, which a multi-value target group reads alone', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { query: true } });
    const multiValueOk: ProtectedAlbHandler = async () => ({
      statusCode: 200,
      statusDescription: '200 OK',
      multiValueHeaders: { 'content-type': ['application/json'] },
      body: '{}',
      isBase64Encoded: false,
    });
    const event = albEvent({ multiValue: true, query: { access_token: [token] } });
    const result = await rs.protectAlb(multiValueOk)(event, lambdaContext());
    expect(result.multiValueHeaders).toEqual({
      'content-type': ['application/json'],
      'cache-control': ['private'],
    });
    expect(result.headers).toBeUndefined();
  });

  it('adds them as multiValueHeaders to a result with no header map when the target group has multi-value headers on', async () => {
    // Such a target group refuses a result carrying `headers` (a 502 for the client): a handler whose
    // result has neither map answers with a header token, and must not break for a query token only.
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, tokenLocations: { query: true } });
    const bare = async () => ({ statusCode: 204, statusDescription: '204 No Content' });
    for (const protect of [rs.protectAlb(bare), rs.protectAlbOptional(bare)]) {
      const event = albEvent({ multiValue: true, query: { access_token: [token] } });
      const result = await protect(event, lambdaContext());
      expect(result).toEqual({
        statusCode: 204,
        statusDescription: '204 No Content',
        multiValueHeaders: { 'cache-control': ['private'] },
      });
      const singleValue = await protect(albEvent({ query: { access_token: [token] } }), lambdaContext());
      expect(singleValue).toEqual({
        statusCode: 204,
        statusDescription: '204 No Content',
        headers: { 'cache-control': 'private' },
      });
    }
  });

  it('returns a result without header maps unchanged when core adds no header, whatever the target group', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    const returned = { statusCode: 204, statusDescription: '204 No Content' };
    const event = albEvent({ multiValue: true, headers: { authorization: [`Bearer ${token}`] } });
    expect(await rs.protectAlb(async () => returned)(event, lambdaContext())).toBe(returned);
  });
});

describe('optional authentication behind a load balancer (protectAlbOptional)', () => {
  const greet: OptionallyProtectedAlbHandler = async (_event, _context, oauth2) => ({
    statusCode: 200,
    statusDescription: '200 OK',
    body: oauth2 === undefined ? 'stranger' : oauth2.subject!,
  });

  it('runs the handler without a token, with one that passes, and answers a bad one in the ALB shape', async () => {
    const route = rsOf().protectAlbOptional(greet, { scopes: ['read'] });
    expect(await route(albEvent(), lambdaContext())).toMatchObject({ statusCode: 200, body: 'stranger' });
    expect(
      await route(albEvent({ headers: { authorization: `Bearer ${token}` } }), lambdaContext()),
    ).toMatchObject({ statusCode: 200, body: 'alice' });
    const refused = await route(
      albEvent({ multiValue: true, headers: { authorization: ['Bearer forged.token.here'] } }),
      lambdaContext(),
    );
    expect(refused).toMatchObject({ statusCode: 401, statusDescription: '401 Unauthorized' });
    expect(refused.multiValueHeaders?.['www-authenticate']?.[0]).toMatch(/error="invalid_token"/);
  });

  it('reads the event as the load balancer sends it: its raw query and x-forwarded-proto', async () => {
    const route = rsOf().protectAlbOptional(greet);
    // An HTTP listener: refused as not https, where API Gateway's reading would have assumed https.
    expect(
      await route(
        albEvent({ headers: { authorization: `Bearer ${token}`, 'x-forwarded-proto': 'http' } }),
        lambdaContext(),
      ),
    ).toMatchObject({ statusCode: 400, statusDescription: '400 Bad Request' });
  });
});

describe('a proxy handler (protect) deployed behind a load balancer by mistake', () => {
  const proxyOk: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });

  it('reads the event as protectAlb does: an HTTP listener is plain http, refused 400 in the ALB shape', async () => {
    const event = albEvent({ listener: 'http', headers: { authorization: `Bearer ${token}` } });
    const result = await rsOf().protect(proxyOk)(event as never, lambdaContext());
    expect(result).toMatchObject({
      statusCode: 400,
      statusDescription: '400 Bad Request',
      isBase64Encoded: false,
    });
    expect(JSON.parse(result.body).code).toBe('https_required');
  });

  it('keeps the query as the load balancer passed it, and answers multiValueHeaders when it sent them', async () => {
    const encoded = albEvent({ headers: { authorization: `Bearer ${token}` }, query: { q: ['a%2Bb'] } });
    expect((await rsOf().protect(proxyOk)(encoded as never, lambdaContext())).statusCode).toBe(200);
    expect(issuer.seen.at(-1)?.url).toBe(
      'https://lambda-alb-123578498.us-east-1.elb.amazonaws.com/items?q=a%2Bb',
    );

    const repeated = albEvent({
      multiValue: true,
      headers: { authorization: [`Bearer ${token}`, 'Bearer other'] },
    });
    const refused = await rsOf().protectOptional(async () => ({ statusCode: 200, body: 'ok' }))(
      repeated as never,
      lambdaContext(),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.headers).toBeUndefined();
    expect(refused.multiValueHeaders?.['www-authenticate']?.[0]).toMatch(/error="invalid_request"/);
  });
});
