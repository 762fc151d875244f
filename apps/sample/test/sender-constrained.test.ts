import type { AddressInfo } from 'node:net';
import { sendHttps } from '@rs/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api.js';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import { dpopProof } from '../src/dpop-proof.js';
import { buildTlsApi, DEFAULT_CERTIFICATE_HEADER } from '../src/sender-constrained-routes.js';
import { createDemoPki, type DemoPki } from '../src/tls/demo-pki.js';
import { basic, OPAQUE_RESOURCE, RESOURCE } from './servers.js';

let pki: DemoPki;
let otherPki: DemoPki;
let as: AuthorizationServer;
let api: FastifyInstance;
let tlsApi: FastifyInstance;
let apiUrl: string;
let tlsApiUrl: string;
let keyFile: string;

beforeAll(async () => {
  pki = createDemoPki();
  otherPki = createDemoPki();
  keyFile = `${pki.dir}/dpop-key.json`;
  as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: RESOURCE,
    opaqueResource: OPAQUE_RESOURCE,
    tls: { port: 0, keyPem: pki.serverKeyPem, certPem: pki.serverCertPem },
  });
  // The API's public URL is its identifier; the tests reach it on loopback, whatever the Host header says.
  const trust = { issuer: as.issuer, audience: RESOURCE, jwksUrl: as.jwksUrl, publicUrl: RESOURCE };
  api = await buildApi(trust);
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  tlsApi = await buildTlsApi(trust, { keyPem: pki.serverKeyPem, certPem: pki.serverCertPem });
  await tlsApi.listen({ host: '127.0.0.1', port: 0 });
  tlsApiUrl = `https://127.0.0.1:${(tlsApi.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await tlsApi?.close();
  await api?.close();
  await as?.close();
  pki?.cleanup();
  otherPki?.cleanup();
});

const form = () =>
  new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', resource: RESOURCE });

/** A certificate-bound token of the mTLS client, asked for over TLS with the demo client certificate. */
async function certificateBoundToken(): Promise<string> {
  const answer = await sendHttps(
    as.mtlsTokenUrl ?? '',
    { ca: pki.serverCertPem, cert: pki.clientCertPem, key: pki.clientKeyPem },
    {
      method: 'POST',
      headers: { ...basic(as.mtlsClient), 'content-type': 'application/x-www-form-urlencoded' },
      body: form().toString(),
    },
  );
  expect(answer.status).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('/mtls-certificate (https listener asking for client certificates)', () => {
  it('gives the mTLS client no token without a certificate', async () => {
    const response = await fetch(as.tokenUrl, {
      method: 'POST',
      headers: basic(as.mtlsClient),
      body: form(),
    });
    expect(response.status).toBe(400);
  });

  it('accepts the certificate-bound token with its certificate, and refuses it with another or none', async () => {
    const token = await certificateBoundToken();
    expect(claimsOf(token).cnf).toEqual({ 'x5t#S256': expect.any(String) });
    const headers = { authorization: `Bearer ${token}` };
    const url = `${tlsApiUrl}/mtls-certificate`;

    const right = await sendHttps(
      url,
      { ca: pki.serverCertPem, cert: pki.clientCertPem, key: pki.clientKeyPem },
      { headers },
    );
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ route: '/mtls-certificate', scheme: 'Bearer' });

    const other = await sendHttps(
      url,
      { ca: pki.serverCertPem, cert: otherPki.clientCertPem, key: otherPki.clientKeyPem },
      { headers },
    );
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ code: 'certificate_mismatch' });

    const none = await sendHttps(url, { ca: pki.serverCertPem }, { headers });
    expect(none.body).toMatchObject({ code: 'certificate_missing' });
  });

  it('refuses a token that is not certificate-bound', async () => {
    const response = await fetch(as.tokenUrl, { method: 'POST', headers: basic(as.client), body: form() });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const answer = await sendHttps(
      `${tlsApiUrl}/mtls-certificate`,
      { ca: pki.serverCertPem, cert: pki.clientCertPem, key: pki.clientKeyPem },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(answer.body).toMatchObject({ code: 'sender_constraint_required' });
  });
});

describe('/mtls-header (certificate from a loopback proxy header)', () => {
  const call = (token: string, pem?: string) =>
    fetch(`${apiUrl}/mtls-header`, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(pem !== undefined && { [DEFAULT_CERTIFICATE_HEADER]: encodeURIComponent(pem) }),
      },
    });

  it('accepts the bound certificate as nginx forwards it, and refuses another or none', async () => {
    const token = await certificateBoundToken();
    expect((await call(token, pki.clientCertPem)).status).toBe(200);
    expect(await (await call(token, otherPki.clientCertPem)).json()).toMatchObject({
      code: 'certificate_mismatch',
    });
  });

  it('answers 418 when the header is missing or unreadable, as the gateway route does, keeping the challenge', async () => {
    const token = await certificateBoundToken();
    for (const answer of [await call(token), await call(token, 'not%20a%20certificate')]) {
      expect(answer.status).toBe(418);
      expect(await answer.text()).toBe('Failure in CertificateThumbprintFilter');
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });
});

describe('/dpop', () => {
  /** A DPoP-bound token: the token request carries a proof for the token endpoint. */
  async function dpopBoundToken(): Promise<string> {
    const response = await fetch(as.tokenUrl, {
      method: 'POST',
      headers: { ...basic(as.client), dpop: await dpopProof('POST', as.tokenUrl, keyFile) },
      body: form(),
    });
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    return body.access_token;
  }

  it('accepts a fresh proof, refuses its replay, and refuses the token as Bearer', async () => {
    const token = await dpopBoundToken();
    expect(claimsOf(token).cnf).toEqual({ jkt: expect.any(String) });
    const url = `${apiUrl}/dpop`;
    const proof = await dpopProof('GET', `${RESOURCE}/dpop`, keyFile, token);
    const send = () => fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });

    const first = await send();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ route: '/dpop', scheme: 'DPoP' });
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'dpop_replayed' });

    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toContain('DPoP');
  });

  it('refuses a proof made for another URL', async () => {
    const token = await dpopBoundToken();
    const proof = await dpopProof('GET', `${RESOURCE}/elsewhere`, keyFile, token);
    const answer = await fetch(`${apiUrl}/dpop`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    expect(await answer.json()).toMatchObject({ code: 'dpop_htu_mismatch' });
  });

  it('compares htu with the public URL, not with the URL the Host header names', async () => {
    const token = await dpopBoundToken();
    const proof = await dpopProof('GET', `${apiUrl}/dpop`, keyFile, token);
    const answer = await fetch(`${apiUrl}/dpop`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: 'dpop_htu_mismatch' });
  });
});
