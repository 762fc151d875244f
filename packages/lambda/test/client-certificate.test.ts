import { createTestPki, type TestIssuer, type TestPki, testIssuer } from '@rs/testkit';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer, type ProtectedHandler } from '../src/index.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

let issuer: TestIssuer;
let pki: TestPki;
beforeAll(async () => {
  issuer = await testIssuer();
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const ok: ProtectedHandler = async (_event, _context, oauth2) => ({
  statusCode: 200,
  body: JSON.stringify({ subject: oauth2.subject }),
});

/** What API Gateway adds to the event when the custom domain has mutual TLS on. */
function clientCert(pem: string): APIGatewayEventClientCertificate {
  return {
    clientCertPem: pem,
    serialNumber: '01',
    subjectDN: 'CN=client.example.com',
    issuerDN: 'CN=rs test CA',
    validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
  };
}

function restEvent(token: string, pem: string | undefined): APIGatewayProxyEvent {
  const event = restApiEvent({
    method: 'GET',
    target: '/items',
    headers: { Authorization: `Bearer ${token}` },
  });
  event.requestContext.identity.clientCert = pem === undefined ? null : clientCert(pem);
  return event;
}

function httpEvent(token: string, pem: string | undefined): APIGatewayProxyEventV2 {
  const event = httpApiEvent({
    method: 'GET',
    target: '/items',
    headers: { authorization: `Bearer ${token}` },
  });
  if (pem !== undefined) event.requestContext.authentication = { clientCert: clientCert(pem) };
  return event;
}

const cases = [
  { name: 'REST API (identity.clientCert)', event: restEvent },
  { name: 'HTTP API (authentication.clientCert)', event: httpEvent },
] as const;

describe.each(cases)('$name: certificate-bound tokens (RFC 8705)', ({ event }) => {
  const protect = () => createLambdaResourceServer({ resolver: issuer.resolver }).protect(ok);

  it('accepts the certificate the token is bound to', async () => {
    const token = await issuer.mint({ sub: 'fay', cnf: { 'x5t#S256': pki.client.thumbprint } });
    const result = await protect()(event(token, pki.client.pem) as never, lambdaContext());
    expect(result).toMatchObject({ statusCode: 200, body: JSON.stringify({ subject: 'fay' }) });
    expect(issuer.seen.at(-1)?.clientCertificate).toBe(pki.client.pem);
  });

  it('refuses another certificate and no certificate', async () => {
    const token = await issuer.mint({ cnf: { 'x5t#S256': pki.client.thumbprint } });
    const other = await protect()(event(token, pki.other.pem) as never, lambdaContext());
    expect(JSON.parse(String(other.body))).toMatchObject({ code: 'certificate_mismatch' });
    expect(other.statusCode).toBe(401);
    const none = await protect()(event(token, undefined) as never, lambdaContext());
    expect(JSON.parse(String(none.body))).toMatchObject({ code: 'certificate_missing' });
  });
});
