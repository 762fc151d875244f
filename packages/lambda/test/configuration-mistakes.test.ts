import { configRefusal, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import { httpApiEvent, httpApiResponse } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});

const ok: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });
const okV2: ProtectedHandler<APIGatewayProxyEventV2> = async () => ({ statusCode: 200, body: 'ok' });

describe('mistakes refused at cold start', () => {
  it.each([
    [{ maxFormBodySize: 1024 }, 'maxFormBodySize', 'maxFormBodyBytes'],
    [{ requireHTTPS: false }, 'requireHTTPS', 'requireHttps'],
    [{ policy: { scope: ['read'] } }, 'policy.scope', 'scopes'],
  ])('refuses the misspelled option %o, naming the nearest one', (mistake, option, nearest) => {
    const error = configRefusal(() =>
      createLambdaResourceServer({ ...fixture.options(), ...(mistake as object) }),
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(`did you mean "${nearest}"?`);
  });

  it('refuses protect(handler, { scope }) when protect is called', () => {
    const rs = createLambdaResourceServer(fixture.options());
    const error = configRefusal(() => rs.protect(ok, { scope: ['write'] } as never));
    expect(error.option).toBe('protect.policy.scope');
    expect(error.message).toContain('did you mean "scopes"?');
  });

  it('refuses a policy given where the handler goes when protect is called, not at every event', () => {
    const rs = createLambdaResourceServer(fixture.options());
    const policy = { scopes: ['read'] } as never;
    expect(configRefusal(() => rs.protect(policy)).option).toBe('protect(handler)');
    expect(configRefusal(() => rs.protectOptional(policy)).option).toBe('protectOptional(handler)');
    expect(configRefusal(() => rs.protectAlb(policy)).option).toBe('protectAlb(handler)');
  });

  it('refuses DPoP without publicUrl, and a publicUrl that is no https: URL (requireHttps on)', () => {
    expect(configRefusal(() => createLambdaResourceServer(fixture.options({ dpop: true }))).option).toBe(
      'publicUrl',
    );
    for (const publicUrl of ['http://api.example.com', 'http://localhost:3000', 'api.example.com']) {
      expect(
        configRefusal(() => createLambdaResourceServer({ resolver: fixture.resolver, publicUrl })).option,
      ).toBe('publicUrl');
    }
  });

  it('with publicUrl, compares htu with it and never with the Host header of the event', async () => {
    const rs = createLambdaResourceServer({
      ...fixture.options({ dpop: true }),
      publicUrl: 'https://api.example.com',
    });
    const key = await generateDpopKey();
    const token = await fixture.mint({ cnf: { jkt: key.thumbprint } });
    const send = async (proofUrl: string) => {
      const event = httpApiEvent({
        method: 'GET',
        target: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', proofUrl, token) },
      });
      event.headers.host = 'other.example.com';
      return httpApiResponse(await rs.protect(okV2)(event, lambdaContext()));
    };
    expect((await send('https://api.example.com/items')).status).toBe(200);
    const refused = await send('https://other.example.com/items');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body as string)).toMatchObject({ code: 'dpop_htu_mismatch' });
  });
});
