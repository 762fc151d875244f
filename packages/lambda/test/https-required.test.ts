import { configRefusal, type TestIssuer, testIssuer } from '@rs/testkit';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedAlbHandler, type ProtectedHandler } from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import {
  httpApiAuthorizerEvent,
  requestAuthorizerEvent,
  tokenAuthorizerEvent,
} from './fixtures/authorizer-events.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  token = await issuer.mint({ sub: 'alice', scope: 'read' });
});

const okAlb: ProtectedAlbHandler = async () => ({ statusCode: 200, body: 'ok' });
const ok: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });
const okV2: ProtectedHandler<APIGatewayProxyEventV2> = async () => ({ statusCode: 200, body: 'ok' });
// Core's defaults, `requireHttps` on (the test issuer's `options()` turn it off).
const defaults = () => ({ resolver: issuer.resolver });

describe('no Lambda event arrives on a loopback connection', () => {
  it.each(['localhost', '127.0.0.1', '127.0.0.1:80', '[::1]', 'LocalHost:8080'])(
    'refuses an ALB HTTP-listener event with Host: %s (400 https_required), requireHttps being the default',
    async (host) => {
      const event = albEvent({ listener: 'http', headers: { host, authorization: `Bearer ${token}` } });
      const result = await createLambdaResourceServer(defaults()).protectAlb(okAlb)(event, lambdaContext());
      expect(result).toMatchObject({ statusCode: 400, statusDescription: '400 Bad Request' });
      expect(JSON.parse(result.body ?? '')).toMatchObject({ code: 'https_required' });
    },
  );

  it('accepts that event with requireHttps: false, as a local emulator needs', async () => {
    const event = albEvent({
      listener: 'http',
      headers: { host: 'localhost', authorization: `Bearer ${token}` },
    });
    const rs = createLambdaResourceServer({ ...defaults(), requireHttps: false });
    expect(await rs.protectAlb(okAlb)(event, lambdaContext())).toMatchObject({ statusCode: 200 });
    expect(issuer.seen.at(-1)?.url).toBe('http://localhost/items?page=2');
  });

  it('tells core so for every event kind: proxy events, ALB events and authorizer events', async () => {
    const rs = createLambdaResourceServer(defaults());
    const authorization = `Bearer ${token}`;
    const decided = [
      () =>
        rs.protect(ok)(
          restApiEvent({ method: 'GET', target: '/items', headers: { authorization } }),
          lambdaContext(),
        ),
      () =>
        rs.protect(okV2)(
          httpApiEvent({ method: 'GET', target: '/items', headers: { authorization } }),
          lambdaContext(),
        ),
      () => rs.protectAlb(okAlb)(albEvent({ headers: { authorization } }), lambdaContext()),
      () => rs.restAuthorizer()(tokenAuthorizerEvent(authorization)),
      () => rs.restAuthorizer()(requestAuthorizerEvent({ Authorization: authorization })),
      () => rs.httpApiAuthorizer()(httpApiAuthorizerEvent({ authorization })),
      () => rs.authenticate(restApiEvent({ method: 'GET', target: '/items', headers: { authorization } })),
    ];
    for (const decide of decided) {
      const before = issuer.seen.length;
      await decide();
      expect(issuer.seen.length).toBe(before + 1);
      expect(issuer.seen.at(-1)?.loopbackConnection).toBe(false);
    }
  });
});

describe('publicUrl follows core’s rules (publicBaseUrl), with plain http only when requireHttps is off', () => {
  it('refuses plain http at cold start unless requireHttps is false, even on localhost', () => {
    for (const publicUrl of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://api.example.com']) {
      const error = configRefusal(() => createLambdaResourceServer({ ...defaults(), publicUrl }));
      expect(error.option).toBe('publicUrl');
    }
  });

  it('serves a local emulator on http://localhost with requireHttps: false', async () => {
    const rs = createLambdaResourceServer({
      ...{ ...defaults(), requireHttps: false },
      publicUrl: 'http://localhost:3000',
    });
    const event = restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { Host: 'localhost:3000', authorization: `Bearer ${token}` },
    });
    expect((await rs.protect(ok)(event, lambdaContext())).statusCode).toBe(200);
    expect(issuer.seen.at(-1)?.url).toBe('http://localhost:3000/prod/items');
  });

  it('accepts a path prefix, put before the path of each event, as every adapter does', async () => {
    const rs = createLambdaResourceServer({ ...defaults(), publicUrl: 'https://www.example.com/api/' });
    const event = albEvent({ headers: { authorization: `Bearer ${token}` } });
    expect(await rs.protectAlb(okAlb)(event, lambdaContext())).toMatchObject({ statusCode: 200 });
    expect(issuer.seen.at(-1)?.url).toBe('https://www.example.com/api/items?page=2');
  });

  it('refuses what core refuses: no URL, another scheme, credentials, a query or a fragment', () => {
    for (const publicUrl of [
      'api.example.com',
      'ftp://api.example.com',
      'https://user:secret@api.example.com',
      'https://api.example.com/?x=1',
      'https://api.example.com/#top',
    ]) {
      const error = configRefusal(() => createLambdaResourceServer({ ...defaults(), publicUrl }));
      expect(error.option, publicUrl).toBe('publicUrl');
      expect(error.message).not.toContain('secret');
    }
  });
});
