import { certificateThumbprint } from '@rs/core';
import { configRefusal, createTestPki, type TestIssuer, type TestPki, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHonoResourceServer } from '../src/index.js';
import { serveOnLoopback } from './support/loopback.js';

// Hono hands the middleware a Fetch Request, which carries no peer address: certificateHeader.trustedProxies
// could match no request, and every certificate-bound token would be refused. It is refused when the
// server is built; without it, the header is taken from every peer (the network lets only the proxy in).
const HEADER = 'x-client-cert-d41c';

let pki: TestPki;
let issuer: TestIssuer;
let bound: string;
beforeAll(async () => {
  pki = createTestPki();
  issuer = await testIssuer();
  bound = await issuer.mint({ cnf: { 'x5t#S256': await certificateThumbprint(pki.client.der) } });
});
afterAll(() => pki.cleanup());

describe('@rs/hono: certificateHeader.trustedProxies', () => {
  it.each([[['10.0.0.1']], [['10.0.0.0/8', 'fd00::/8']], [[]]])(
    'refuses trustedProxies %j at start-up, saying the adapter sees no peer address',
    (trustedProxies) => {
      const error = configRefusal(() =>
        createHonoResourceServer({
          resolver: issuer.resolver,
          certificateHeader: { name: HEADER, trustedProxies },
        }),
      );
      expect(error.option).toBe('certificateHeader.trustedProxies');
      expect(error.message).toContain('no peer address');
      expect(error.message).toContain('only the proxy can reach the service');
    },
  );

  it('takes the header from every peer when trustedProxies is left out', async () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver, certificateHeader: { name: HEADER } });
    const app = new Hono().get('/items', rs.protect(), (c) => c.json({ ok: true }));
    const served = await serveOnLoopback(app);
    try {
      const send = (certificatePem: string) =>
        fetch(served.url('/items'), {
          headers: { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(certificatePem) },
        });
      expect((await send(pki.client.pem)).status).toBe(200);
      const other = await send(pki.other.pem);
      expect(other.status).toBe(401);
      expect(await other.json()).toMatchObject({ code: 'certificate_mismatch' });
    } finally {
      await served.close();
    }
  });
});
