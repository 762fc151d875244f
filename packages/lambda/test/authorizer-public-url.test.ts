import { type DpopKey, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
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

// The execute-api host of the authorizer fixtures: the URL clients call, given as publicUrl.
const PUBLIC_URL = 'https://abcdef123.execute-api.us-east-1.amazonaws.com';
// The host a client (or an attacker replaying a proof made for another server) writes in `Host`.
const OTHER = 'other.example';

let issuer: TestIssuer;
let key: DpopKey;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  key = await generateDpopKey();
  token = await issuer.mint({ sub: 'alice', scope: 'read', cnf: { jkt: key.thumbprint } });
});

// Core's defaults (`requireHttps` on) with DPoP.
const dpopServer = () =>
  createLambdaResourceServer({ resolver: issuer.resolver, dpop: true, publicUrl: PUBLIC_URL });
const dpopHeaders = async (method: string, htu: string) => ({
  authorization: `DPoP ${token}`,
  dpop: await key.proof(method, htu, token),
});

describe('authorizers check DPoP proofs against publicUrl, never the Host header', () => {
  it('REST REQUEST authorizer: refuses a proof made for the Host the client wrote', async () => {
    const authorizer = dpopServer().restAuthorizer();
    const { authorization, dpop } = await dpopHeaders('GET', `https://${OTHER}/test/request`);
    const forOtherHost = requestAuthorizerEvent({ Host: OTHER, Authorization: authorization, DPoP: dpop });
    await expect(authorizer(forOtherHost)).rejects.toThrow(/^Unauthorized$/);

    // The same client-chosen Host with a proof for the public URL: core saw publicUrl + the event's path.
    const proof = await dpopHeaders('GET', `${PUBLIC_URL}/test/request`);
    const forPublicUrl = requestAuthorizerEvent({
      Host: OTHER,
      Authorization: proof.authorization,
      DPoP: proof.dpop,
    });
    expect(await authorizer(forPublicUrl)).toMatchObject({ principalId: 'alice' });
    expect(issuer.seen.at(-1)?.url).toBe(`${PUBLIC_URL}/test/request?QueryString1=queryValue1`);
  });

  it('HTTP API authorizer (simple and IAM responses): refuses a proof made for the Host the client wrote', async () => {
    const rs = dpopServer();
    const simple = rs.httpApiAuthorizer();
    const iam = rs.httpApiAuthorizer({ response: 'iam' });
    const forOtherHost = httpApiAuthorizerEvent({
      host: OTHER,
      ...(await dpopHeaders('POST', `https://${OTHER}/my/path`)),
    });
    expect(await simple(forOtherHost)).toEqual({ isAuthorized: false });
    expect((await iam(forOtherHost)).policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });

    const forPublicUrl = httpApiAuthorizerEvent({
      host: OTHER,
      ...(await dpopHeaders('POST', `${PUBLIC_URL}/my/path`)),
    });
    expect(await simple(forPublicUrl)).toMatchObject({ isAuthorized: true });
    expect(issuer.seen.at(-1)?.url).toMatch(new RegExp(`^${PUBLIC_URL}/my/path\\?`));
  });

  it('REST TOKEN authorizer: the URL core checks has the origin of publicUrl and the path of the ARN', async () => {
    const rs = createLambdaResourceServer({
      resolver: issuer.resolver,
      publicUrl: 'https://api.example.com',
    });
    const bearer = await issuer.mint({ sub: 'bob' });
    expect(await rs.restAuthorizer()(tokenAuthorizerEvent(`Bearer ${bearer}`))).toMatchObject({
      principalId: 'bob',
    });
    expect(issuer.seen.at(-1)).toMatchObject({
      method: 'GET',
      url: 'https://api.example.com/test/request',
    });
  });

  it('the proxy handlers and protectAlb refuse it too, so every entry point checks alike', async () => {
    const rs = dpopServer();
    const ok: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });
    const rest = restApiEvent({
      method: 'GET',
      target: '/items',
      headers: { Host: OTHER, ...(await dpopHeaders('GET', `https://${OTHER}/prod/items`)) },
    });
    expect((await rs.protect(ok)(rest, lambdaContext())).statusCode).toBe(401);

    const okAlb: ProtectedAlbHandler = async () => ({ statusCode: 200, body: 'ok' });
    const alb = albEvent({
      headers: { host: OTHER, ...(await dpopHeaders('GET', `https://${OTHER}/items`)) },
    });
    expect((await rs.protectAlb(okAlb)(alb, lambdaContext())).statusCode).toBe(401);
    const albForPublicUrl = albEvent({
      headers: { host: OTHER, ...(await dpopHeaders('GET', `${PUBLIC_URL}/items`)) },
    });
    expect((await rs.protectAlb(okAlb)(albForPublicUrl, lambdaContext())).statusCode).toBe(200);
  });

  it('an authorizer policy is still checked when the authorizer is built', () => {
    const rs = dpopServer();
    expect(() => rs.restAuthorizer({ policy: { scope: ['read'] } as never })).toThrow(
      /restAuthorizer\.policy\.scope/,
    );
    expect(() => rs.httpApiAuthorizer({ policy: { scope: ['read'] } as never })).toThrow(
      /httpApiAuthorizer\.policy\.scope/,
    );
  });
});

describe('authorizers given something that is no API Gateway event', () => {
  it('answer 401 (Unauthorized) rather than throw a TypeError, even for a good token', async () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver });
    const bearer = `Bearer ${await issuer.mint({ sub: 'alice' })}`;
    const rest = rs.restAuthorizer();
    const { methodArn: _methodArn, ...withoutArn } = requestAuthorizerEvent({ Authorization: bearer });
    for (const event of [withoutArn, null, undefined, 'event']) {
      await expect(rest(event as never)).rejects.toThrow(/^Unauthorized$/);
    }
    const iam = rs.httpApiAuthorizer({ response: 'iam' });
    const { routeArn: _routeArn, ...withoutRoute } = httpApiAuthorizerEvent({ authorization: bearer });
    for (const event of [withoutRoute, {}, null]) {
      await expect(iam(event as never)).rejects.toThrow(/^Unauthorized$/);
    }
    const simple = rs.httpApiAuthorizer();
    expect(await simple(null as never)).toEqual({ isAuthorized: false });
  });
});

describe('publicUrl behind a custom domain', () => {
  it('HTTP API (payload 2.0): rawPath lacks the API mapping path, so publicUrl carries it, as the README says', async () => {
    // A client calls https://api.example.com/orders/items; the mapping `orders` leads to the $default
    // stage, and API Gateway hands over rawPath `/items` (AWS: rawPath lacks the API mapping value).
    const ok: ProtectedHandler<APIGatewayProxyEventV2> = async () => ({ statusCode: 200, body: 'ok' });
    const eventFor = async () =>
      httpApiEvent({
        method: 'GET',
        target: '/items',
        headers: {
          host: 'api.example.com',
          ...(await dpopHeaders('GET', 'https://api.example.com/orders/items')),
        },
      });
    const withoutMapping = createLambdaResourceServer({
      resolver: issuer.resolver,
      dpop: true,
      publicUrl: 'https://api.example.com',
    });
    expect((await withoutMapping.protect(ok)(await eventFor(), lambdaContext())).statusCode).toBe(401);
    const withMapping = createLambdaResourceServer({
      resolver: issuer.resolver,
      dpop: true,
      publicUrl: 'https://api.example.com/orders',
    });
    expect((await withMapping.protect(ok)(await eventFor(), lambdaContext())).statusCode).toBe(200);
  });
});
