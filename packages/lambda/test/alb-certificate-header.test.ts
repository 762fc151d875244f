import { type CertificateHeaderOptions, certificateThumbprint, createResourceServer } from '@rs/core';
import { configRefusal, createTestPki, type TestIssuer, type TestPki, testIssuer } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

// An Application Load Balancer event carries no peer address. A server that reads the certificate header
// only from listed proxies (certificateHeader.trustedProxies) would refuse every ALB request carrying it
// (certificate_header_untrusted): protectAlb and protectAlbOptional refuse such a server when they are
// built, whether the list came in the adapter's options or in a prebuilt resourceServer. API Gateway's
// proxy events carry the source address (sourceIp 192.0.2.1 in the sample): their routes keep the list.

const HEADER = 'x-client-cert-5a9f';
const PUBLIC_URL = 'https://abcdef1234.execute-api.us-east-1.amazonaws.com';
const listed: CertificateHeaderOptions = { name: HEADER, trustedProxies: ['192.0.2.0/24'] };

let pki: TestPki;
let issuer: TestIssuer;
let bound: string;
beforeAll(async () => {
  pki = createTestPki();
  issuer = await testIssuer();
  bound = await issuer.mint({ cnf: { 'x5t#S256': await certificateThumbprint(pki.client.der) } });
});
afterAll(() => pki.cleanup());

/** A handler for either kind of ALB route: it reads no context. */
const albOk = async () => ({ statusCode: 200, body: 'ok' });

describe('protectAlb on a server with certificateHeader.trustedProxies', () => {
  it('is refused when built, naming the option and saying why, the route optional or not', () => {
    const servers = [
      createLambdaResourceServer({
        resolver: issuer.resolver,
        publicUrl: PUBLIC_URL,
        certificateHeader: listed,
      }),
      createLambdaResourceServer({
        resourceServer: createResourceServer({ resolver: issuer.resolver, certificateHeader: listed }),
        publicUrl: PUBLIC_URL,
      }),
      // An observed server is another object around the pipeline: it says so too.
      createLambdaResourceServer({
        resourceServer: createResourceServer({
          resolver: issuer.resolver,
          certificateHeader: listed,
          onAudit: () => {},
        }),
      }),
    ];
    for (const rs of servers) {
      for (const [name, build] of [
        ['protectAlb', () => rs.protectAlb(albOk)],
        ['protectAlb', () => rs.protectAlb(albOk, { scopes: ['read'] })],
        ['protectAlbOptional', () => rs.protectAlbOptional(albOk)],
      ] as const) {
        const error = configRefusal(build);
        expect(error.option).toBe('certificateHeader.trustedProxies');
        expect(error.problem).toContain(`${name}()`);
        expect(error.problem).toContain('no peer address');
      }
    }
  });

  it("leaves that server's API Gateway handlers working: the event's sourceIp is matched", async () => {
    const rs = createLambdaResourceServer({
      resolver: issuer.resolver,
      publicUrl: PUBLIC_URL,
      certificateHeader: listed,
    });
    const ok: ProtectedHandler = async () => ({ statusCode: 200, body: 'ok' });
    const send = (pem: string) =>
      rs.protect(ok)(
        restApiEvent({
          method: 'GET',
          target: '/items',
          headers: { Authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(pem) },
        }),
        lambdaContext(),
      );
    expect((await send(pki.client.pem)).statusCode).toBe(200);
    const other = await send(pki.other.pem);
    expect(other.statusCode).toBe(401);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'certificate_mismatch' });
  });

  it('builds as before without the list, and reads the header of an ALB event', async () => {
    const handler = createLambdaResourceServer({
      resourceServer: createResourceServer({
        resolver: issuer.resolver,
        certificateHeader: { name: HEADER },
      }),
    }).protectAlb(albOk);
    const send = (pem: string) =>
      handler(
        albEvent({ headers: { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(pem) } }),
        lambdaContext(),
      );
    expect((await send(pki.client.pem)).statusCode).toBe(200);
    const other = await send(pki.other.pem);
    expect(other.statusCode).toBe(401);
    expect(JSON.parse(other.body ?? '{}')).toMatchObject({ code: 'certificate_mismatch' });
  });
});
