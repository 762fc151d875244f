import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestPki, sendHttps, type TestIssuer, type TestPki, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';

let fixture: TestIssuer;
let pki: TestPki;
const servers: Server[] = [];
beforeAll(async () => {
  fixture = await testIssuer();
  pki = createTestPki();
});
afterAll(() => pki.cleanup());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe.each(FRAMEWORKS)('$name: certificate-bound tokens over TLS (RFC 8705)', ({ express }) => {
  /** Real TLS on loopback, asking for a client certificate without judging its chain (RFC 8705 §3). */
  async function tlsApp(): Promise<string> {
    const app = express();
    app.use(rsExpress(fixture.options())());
    app.get('/items', (req: Request, res: Response) => {
      res.json({ subject: req.oauth2?.subject });
    });
    const server = createServer(
      { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
      app,
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
  }

  it('accepts the certificate the token is bound to', async () => {
    const url = await tlsApp();
    const token = await fixture.mint({ sub: 'erin', cnf: { 'x5t#S256': pki.client.thumbprint } });
    const response = await sendHttps(
      url,
      { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response).toMatchObject({ status: 200, body: { subject: 'erin' } });
    expect(Buffer.from(fixture.seen.at(-1)?.clientCertificate ?? '')).toEqual(pki.client.der);
  });

  it('refuses another certificate and no certificate', async () => {
    const url = await tlsApp();
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
    expect(fixture.seen.at(-1)?.clientCertificate).toBeUndefined();
  });
});
