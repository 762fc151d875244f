import { type CertificateHeaderOptions, certificateThumbprint, createResourceServer } from '@rs/core';
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

describe('@rs/hono: certificateHeader.trustedProxies in a prebuilt resourceServer', () => {
  // A server built beforehand (shared with another adapter) holds the list where no option of the
  // middleware's shows it. Accepted, it would refuse every request carrying the header
  // (certificate_header_untrusted): it is refused when the middleware is built, as the option is.
  const listed: CertificateHeaderOptions = { name: HEADER, trustedProxies: ['10.0.0.0/8'] };

  it('refuses it at start-up, naming the option and saying why', () => {
    for (const resourceServer of [
      createResourceServer({ resolver: issuer.resolver, certificateHeader: listed }),
      // An observed server is another object around the pipeline: it says so too.
      createResourceServer({ resolver: issuer.resolver, certificateHeader: listed, onAudit: () => {} }),
    ]) {
      const error = configRefusal(() => createHonoResourceServer({ resourceServer }));
      expect(error.option).toBe('certificateHeader.trustedProxies');
      expect(error.message).toContain('no peer address');
      expect(error.message).toContain('only the proxy can reach the service');
    }
  });

  it('accepts a prebuilt server whose header has no list, and reads the header over HTTP', async () => {
    const resourceServer = createResourceServer({
      resolver: issuer.resolver,
      certificateHeader: { name: HEADER },
    });
    const rs = createHonoResourceServer({ resourceServer });
    const app = new Hono().get('/items', rs.protect(), (c) => c.json({ ok: true }));
    const served = await serveOnLoopback(app);
    try {
      const send = (certificatePem: string) =>
        fetch(served.url('/items'), {
          headers: { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(certificatePem) },
        });
      expect((await send(pki.client.pem)).status).toBe(200);
      expect(await (await send(pki.other.pem)).json()).toMatchObject({ code: 'certificate_mismatch' });
    } finally {
      await served.close();
    }
  });
});
