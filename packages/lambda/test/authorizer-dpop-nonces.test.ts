import { createResourceServer, rotatingDpopNonces } from '@rs/core';
import { configRefusal, type DpopKey, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

// RFC 9449 §9: with server nonces, a client learns the nonce only from the `DPoP-Nonce` header of an
// answer. An authorizer's answer is a decision API Gateway turns into its own response, with no header
// of the authorizer's: the client would never learn a nonce, and every DPoP request would be refused
// for good. Such an authorizer is refused when it is built.

const PUBLIC_URL = 'https://abcdef1234.execute-api.us-east-1.amazonaws.com';

let issuer: TestIssuer;
let key: DpopKey;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  key = await generateDpopKey();
  token = await issuer.mint({ sub: 'alice', scope: 'read', cnf: { jkt: key.thumbprint } });
});

const nonces = () => rotatingDpopNonces({ secret: 'a shared secret of at least thirty-two bytes' });

describe('authorizers on a resource server whose DPoP proofs need server nonces', () => {
  it('are refused when built, naming dpop.nonces and saying why, whatever their answer kind', () => {
    const rs = createLambdaResourceServer({
      resolver: issuer.resolver,
      publicUrl: PUBLIC_URL,
      dpop: { nonces: nonces() },
    });
    for (const [name, build] of [
      ['restAuthorizer', () => rs.restAuthorizer()],
      ['httpApiAuthorizer', () => rs.httpApiAuthorizer()],
      ['httpApiAuthorizer', () => rs.httpApiAuthorizer({ response: 'iam' })],
    ] as const) {
      const error = configRefusal(build);
      expect(error.option).toBe('dpop.nonces');
      expect(error.problem).toContain(`${name}()`);
      expect(error.problem).toContain('DPoP-Nonce');
      expect(error.problem).toContain('every DPoP request would be refused');
    }
  });

  it('are refused on a resource server built beforehand and shared too', () => {
    const resourceServer = createResourceServer({
      resolver: issuer.resolver,
      dpop: { nonces: nonces() },
    });
    const rs = createLambdaResourceServer({ resourceServer, publicUrl: PUBLIC_URL });
    expect(configRefusal(() => rs.restAuthorizer()).option).toBe('dpop.nonces');
    expect(configRefusal(() => rs.httpApiAuthorizer()).option).toBe('dpop.nonces');
  });

  it('leave the proxy handlers of that server working: they send the nonce, and its proof passes', async () => {
    const rs = createLambdaResourceServer({
      resolver: issuer.resolver,
      publicUrl: PUBLIC_URL,
      dpop: { nonces: nonces() },
    });
    const ok: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });
    const handler = rs.protect(ok);
    const event = async (extra: Record<string, unknown> = {}) =>
      restApiEvent({
        method: 'GET',
        target: '/items',
        headers: {
          Authorization: `DPoP ${token}`,
          DPoP: await key.proof('GET', `${PUBLIC_URL}/prod/items`, token, extra),
        },
      });
    const first = await handler(await event(), lambdaContext());
    expect(first.statusCode).toBe(401);
    const nonce = first.headers?.['dpop-nonce'];
    expect(nonce).toEqual(expect.any(String));
    expect((await handler(await event({ nonce }), lambdaContext())).statusCode).toBe(200);
  });

  it('are built as before on a DPoP server without nonces', () => {
    const rs = createLambdaResourceServer({ resolver: issuer.resolver, publicUrl: PUBLIC_URL, dpop: true });
    expect(typeof rs.restAuthorizer()).toBe('function');
    expect(typeof rs.httpApiAuthorizer()).toBe('function');
  });
});
