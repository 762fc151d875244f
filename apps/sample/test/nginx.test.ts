import type { AddressInfo } from 'node:net';
import { type HttpsClientTls, sendHttps } from '@rs/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api.js';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import { DEFAULT_CERTIFICATE_HEADER } from '../src/sender-constrained-routes.js';
import { createDemoPki, type DemoPki } from '../src/tls/demo-pki.js';
import { type NginxProcess, startNginx } from './nginx-process.js';
import { basic, OPAQUE_RESOURCE, RESOURCE } from './servers.js';

let pki: DemoPki;
let otherPki: DemoPki;
let as: AuthorizationServer;
let api: FastifyInstance;
let nginx: NginxProcess;

beforeAll(async () => {
  pki = createDemoPki();
  otherPki = createDemoPki();
  as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: RESOURCE,
    opaqueResource: OPAQUE_RESOURCE,
    tls: { port: 0, keyPem: pki.serverKeyPem, certPem: pki.serverCertPem },
  });
  api = await buildApi({ issuer: as.issuer, audience: RESOURCE, jwksUrl: as.jwksUrl, publicUrl: RESOURCE });
  await api.listen({ host: '127.0.0.1', port: 0 });
  nginx = await startNginx({
    certPem: pki.serverCertPem,
    keyPem: pki.serverKeyPem,
    upstream: `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`,
    certificateHeader: DEFAULT_CERTIFICATE_HEADER,
  });
}, 30_000);

afterAll(async () => {
  await nginx?.stop();
  await api?.close();
  await as?.close();
  pki?.cleanup();
  otherPki?.cleanup();
});

/** A token bound to the demo client certificate, from the authorization server's https token endpoint. */
async function certificateBoundToken(): Promise<string> {
  const answer = await sendHttps(
    as.mtlsTokenUrl ?? '',
    { ca: pki.serverCertPem, cert: pki.clientCertPem, key: pki.clientKeyPem },
    {
      method: 'POST',
      headers: { ...basic(as.mtlsClient), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'read',
        resource: RESOURCE,
      }).toString(),
    },
  );
  expect(answer.status).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

describe('nginx terminating TLS and forwarding $ssl_client_escaped_cert to /mtls-header', () => {
  const through = (tls: Omit<HttpsClientTls, 'ca'>, headers: Record<string, string>) =>
    sendHttps(`${nginx.url}/mtls-header`, { ca: pki.serverCertPem, ...tls }, { headers });

  it('accepts the certificate-bound token from the client holding the certificate', async () => {
    const token = await certificateBoundToken();
    const answer = await through(
      { cert: pki.clientCertPem, key: pki.clientKeyPem },
      { authorization: `Bearer ${token}` },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      route: '/mtls-header',
      clientId: as.mtlsClient.clientId,
    });
  });

  it('refuses it from a client with another certificate', async () => {
    const token = await certificateBoundToken();
    const answer = await through(
      { cert: otherPki.clientCertPem, key: otherPki.clientKeyPem },
      { authorization: `Bearer ${token}` },
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'certificate_mismatch' });
  });

  it('drops a header the client forged: nginx replaces it, and sends none without a certificate', async () => {
    const token = await certificateBoundToken();
    const forged = {
      authorization: `Bearer ${token}`,
      [DEFAULT_CERTIFICATE_HEADER]: encodeURIComponent(pki.clientCertPem),
    };
    const withoutCertificate = await through({}, forged);
    // The route's failure answer for a missing certificate header (see failure-answers.ts).
    expect(withoutCertificate.status).toBe(418);
    expect(withoutCertificate.body).toBe('Failure in CertificateThumbprintFilter');
    const withAnother = await through({ cert: otherPki.clientCertPem, key: otherPki.clientKeyPem }, forged);
    expect(withAnother.body).toMatchObject({ code: 'certificate_mismatch' });
  });
});
