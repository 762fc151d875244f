import { createServer } from 'node:https';
import {
  createTestPki,
  generateDpopKey,
  sendHttp,
  sendHttps,
  type TestIssuer,
  type TestPki,
  testIssuer,
} from '@rs/testkit';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let pki: TestPki;
beforeAll(async () => {
  fixture = await testIssuer();
  pki = createTestPki();
});
afterAll(() => pki.cleanup());
afterEach(closeAll);

/** A Fastify app on real TLS that asks for a client certificate but, as RFC 8705 allows, trusts none. */
async function tlsApp(): Promise<string> {
  const app = Fastify({
    serverFactory: (handler) =>
      createServer(
        { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
        handler,
      ),
  });
  await app.register(rsFastify, fixture.options());
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  const base = await serve(app);
  return base.replace('http:', 'https:');
}

describe('certificate-bound tokens over TLS (RFC 8705)', () => {
  it('accepts the certificate the token is bound to', async () => {
    const url = `${await tlsApp()}/items`;
    const token = await fixture.mint({ sub: 'dana', cnf: { 'x5t#S256': pki.client.thumbprint } });
    const response = await sendHttps(
      url,
      { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response).toMatchObject({ status: 200, body: { subject: 'dana' } });
    expect(Buffer.from(fixture.seen.at(-1)?.clientCertificate ?? '')).toEqual(pki.client.der);
  });

  it('refuses another certificate and no certificate', async () => {
    const url = `${await tlsApp()}/items`;
    const token = await fixture.mint({ cnf: { 'x5t#S256': pki.client.thumbprint } });
    const headers = { authorization: `Bearer ${token}` };
    const other = await sendHttps(
      url,
      { ca: pki.ca.pem, cert: pki.other.pem, key: pki.other.keyPem },
      { headers },
    );
    expect(other).toMatchObject({ status: 401, body: { code: 'certificate_mismatch' } });
    const none = await sendHttps(url, { ca: pki.ca.pem }, { headers });
    expect(none).toMatchObject({ status: 401, body: { code: 'certificate_missing' } });
  });

  it('leaves clientCertificate unset on plain HTTP', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/items', async () => 'ok');
    const base = await serve(app);
    const token = await fixture.mint();
    await sendHttp(base, { method: 'GET', path: '/items', headers: { authorization: `Bearer ${token}` } });
    expect(fixture.seen.at(-1)?.clientCertificate).toBeUndefined();
  });
});

describe('DPoP (RFC 9449) over real HTTP', () => {
  it('accepts a fresh proof and refuses its replay', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options({ dpop: true }));
    app.get('/items', async (request) => ({ scheme: request.oauth2?.scheme }));
    const base = await serve(app);
    const key = await generateDpopKey();
    const token = await fixture.mint({ cnf: { jkt: key.thumbprint } });
    const proof = await key.proof('GET', `${base}/items`, token);
    const send = () =>
      sendHttp(base, {
        method: 'GET',
        path: '/items',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      });

    expect(await send()).toMatchObject({ status: 200, body: { scheme: 'DPoP' } });
    const replay = await send();
    expect(replay).toMatchObject({ status: 401, body: { code: 'dpop_replayed' } });
    expect(replay.headers['www-authenticate']).toContain('DPoP');
  });
});
