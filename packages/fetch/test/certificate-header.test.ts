import { request as httpRequest } from 'node:http';
import { type CertificateHeaderOptions, certificateThumbprint, createResourceServer } from '@rs/core';
import { configRefusal, createTestPki, type TestIssuer, type TestPki, testIssuer } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer } from '../src/index.js';
import { createFetchResourceServer as createLiteFetchResourceServer } from '../src/lite.js';
import { type BridgeServer, serveFetch } from './support/node-bridge.js';

// A client that reaches the Fetch handler past a proxy that does not strip the certificate header sends
// its own copy beside the proxy's. Fetch joins the two field lines with ", "; the request must be refused,
// as the Node adapters refuse two field lines, whatever the configured format.
const HEADER = 'x-client-cert-a1f3';

let pki: TestPki;
let issuer: TestIssuer;
let bound: string;
beforeAll(async () => {
  pki = createTestPki();
  issuer = await testIssuer();
  bound = await issuer.mint({ cnf: { 'x5t#S256': await certificateThumbprint(pki.client.der) } });
});
afterAll(() => pki.cleanup());

/** One GET over real HTTP, with each header value sent as its own field line. */
function send(url: string, headers: Record<string, string | string[]>) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const outgoing = httpRequest(`${url}/items`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('@rs/fetch: a client certificate header sent twice', () => {
  const formats = [
    ['url-encoded-pem', () => encodeURIComponent(pki.client.pem), () => encodeURIComponent(pki.other.pem)],
    ['pem', () => pki.client.pem.replace(/\n/g, ' '), () => pki.other.pem.replace(/\n/g, ' ')],
    ['base64-der', () => pki.client.der.toString('base64'), () => pki.other.der.toString('base64')],
    [
      'rfc9440',
      () => `:${pki.client.der.toString('base64')}:`,
      () => `:${pki.other.der.toString('base64')}:`,
    ],
    ['auto', () => encodeURIComponent(pki.client.pem), () => encodeURIComponent(pki.other.pem)],
  ] as const;

  let servers: BridgeServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  async function start(format: (typeof formats)[number][0]) {
    const rs = createFetchResourceServer({
      resolver: issuer.resolver,
      publicUrl: 'https://api.example.test',
      certificateHeader: { name: HEADER, format },
    });
    const server = await serveFetch(rs.protect(() => Response.json({ ok: true })));
    servers.push(server);
    return server;
  }

  it.each(formats)(
    '%s: the client copy first, the proxy copy second: 401 certificate_header_invalid',
    async (format, client, proxy) => {
      const server = await start(format);
      // One copy alone is accepted: the test is about the repetition, not the format.
      const alone = await send(server.url, { authorization: `Bearer ${bound}`, [HEADER]: client() });
      expect(alone.status).toBe(200);
      for (const copies of [
        [proxy(), client()],
        [client(), proxy()],
        [client(), client()],
      ]) {
        const twice = await send(server.url, { authorization: `Bearer ${bound}`, [HEADER]: copies });
        expect(twice.status).toBe(401);
        expect(twice.body).toEqual({
          error: 'invalid_token',
          error_description: 'The client certificate header was sent more than once',
          code: 'certificate_header_invalid',
        });
      }
    },
  );

  it('base64-der: a chain the proxy joined with a bare comma is still read, leaf first', async () => {
    const server = await start('base64-der');
    const chain = `${pki.client.der.toString('base64')},${pki.ca.der.toString('base64')}`;
    expect((await send(server.url, { authorization: `Bearer ${bound}`, [HEADER]: chain })).status).toBe(200);
  });
});

describe('@rs/fetch: certificateHeader.trustedProxies', () => {
  // A Fetch Request carries no peer address: a list could match no request, and every certificate-bound
  // token would be refused. It is refused when the server is built, the header trusted without it.
  it.each([[['10.0.0.1']], [['10.0.0.0/8', 'fd00::/8']], [[]]])(
    'refuses trustedProxies %j at start-up, saying the adapter sees no peer address',
    (trustedProxies) => {
      const error = configRefusal(() =>
        createFetchResourceServer({
          resolver: issuer.resolver,
          publicUrl: 'https://api.example.test',
          certificateHeader: { name: HEADER, trustedProxies },
        }),
      );
      expect(error.option).toBe('certificateHeader.trustedProxies');
      expect(error.message).toContain('no peer address');
      expect(error.message).toContain('only the proxy can reach the service');
    },
  );

  it('takes the header from every peer when trustedProxies is left out', async () => {
    const rs = createFetchResourceServer({
      resolver: issuer.resolver,
      publicUrl: 'https://api.example.test',
      certificateHeader: { name: HEADER },
    });
    const server = await serveFetch(rs.protect(() => Response.json({ ok: true })));
    try {
      const sent = { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(pki.client.pem) };
      expect((await send(server.url, sent)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('@rs/fetch: certificateHeader.trustedProxies in a prebuilt resourceServer', () => {
  // A server built beforehand (shared with another adapter) holds the list where no option of the
  // adapter's shows it. Accepted, it would refuse every request carrying the header
  // (certificate_header_untrusted): it is refused when the adapter is built, as the option is.
  const listed: CertificateHeaderOptions = { name: HEADER, trustedProxies: ['10.0.0.0/8'] };

  it.each([
    ['@rs/fetch', createFetchResourceServer],
    ['@rs/fetch/lite', createLiteFetchResourceServer],
  ])('%s refuses it at start-up, naming the option and saying why', (_, create) => {
    for (const resourceServer of [
      createResourceServer({ resolver: issuer.resolver, certificateHeader: listed }),
      // An observed server is another object around the pipeline: it says so too.
      createResourceServer({ resolver: issuer.resolver, certificateHeader: listed, onAudit: () => {} }),
    ]) {
      const error = configRefusal(() => create({ resourceServer, publicUrl: 'https://api.example.test' }));
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
    const rs = createFetchResourceServer({ resourceServer, publicUrl: 'https://api.example.test' });
    const server = await serveFetch(rs.protect(() => Response.json({ ok: true })));
    try {
      const send_ = (pem: string) =>
        send(server.url, { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(pem) });
      expect((await send_(pki.client.pem)).status).toBe(200);
      expect((await send_(pki.other.pem)).body).toMatchObject({ code: 'certificate_mismatch' });
    } finally {
      await server.close();
    }
  });
});
