import {
  createTestPki,
  generateSigningKey,
  jwksOf,
  oneLinePem,
  type TestPki,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
} from '../helpers.js';

// WSO2: the identity server's load balancer passes this certificate as one-line PEM in
// `x-wso2-mtls-cert`, and its introspection answer binds the token to it as `x5t#SHA256`.
const WSO2_HEADER_CERTIFICATE =
  '-----BEGIN CERTIFICATE-----MIID3TCCAsWgAwIBAgIUJQW8iwYsAbyjc/oHti8DPLJH5ZcwDQYJKoZIhvcNAQELBQAwfjELMAkGA1UEBhMCU0wxEDAOBgNVBAgMB1dlc3Rlcm4xEDAOBgNVBAcMB0NvbG9tYm8xDTALBgNVBAoMBFdTTzIxDDAKBgNVBAsMA0lBTTENMAsGA1UEAwwER2FnYTEfMB0GCSqGSIb3DQEJARYQZ2FuZ2FuaUB3c28yLmNvbTAeFw0yMDAzMjQxMjQyMDFaFw0zMDAzMjIxMjQyMDFaMH4xCzAJBgNVBAYTAlNMMRAwDgYDVQQIDAdXZXN0ZXJuMRAwDgYDVQQHDAdDb2xvbWJvMQ0wCwYDVQQKDARXU08yMQwwCgYDVQQLDANJQU0xDTALBgNVBAMMBEdhZ2ExHzAdBgkqhkiG9w0BCQEWEGdhbmdhbmlAd3NvMi5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC+reCEYOn2lnWgFsp0TF0R1wQiD9C/N+dnv4xCa0rFiu4njDzWR/8tYFl0koaxXoP0+oGnT07KlkA66q0ztwikLZXphLdCBbJ1hSmNvor48FuSb6DgqWixrUa2LHlpaaV7RvlmG+IhZEgKDXdS+/tK0hlcgRzENyOEdETDO5fFlKGGuwaGv6/w69h2LTKGu5nyDLF51rjQ18xp026btHC7se/XSlcp3X63xeOIcFv6m84AN2lnV+g8MOfu2wgWtsKaxn4BL64E7nHZNNLxMRf7GtUm2bl9ydFX4aD1r1Oj4iqFWMNcfQ676Qshk8s7ui3LKWFXwNN/SRD0c/ORtv23AgMBAAGjUzBRMB0GA1UdDgQWBBRDu/vqRafReh4fFHS3Nz4T6u9mUDAfBgNVHSMEGDAWgBRDu/vqRafReh4fFHS3Nz4T6u9mUDAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQB7NH51Yj4moEhMonnLUh3eTtf6DUnrpscx6td28rryoDZPfCkJs4VHU9F50etw54FoHqoIaHp5UIB6l1OsVXytUmwrdxbqW7nfOItYwN1yV093aI2aOeMQYmS+vrPkSkxySP6+wGCWe4gfMgpr6iu9xiWLpnILw5q71gmXWtS900S5aLbllGYe74jkyldLIdhS4TyEBIDgcpZrD8x/Z42al6T/6EANMpvu4Jopisg+uwwkEGSM1I/kjiW+YkWC4oTZ1jMZUWC11WbcouLwjfaf6gt4zWitYCP0r0fLGk4bSJfUFsnJNu6vDhx60TbRhIh9P2jxkmgNYPuAxFtF8v+h-----END CERTIFICATE-----';
const WSO2_HEADER_THUMBPRINT = 'mt3KDY1hofQurloTbphKHCSrTlAGl5MlgXX6Xxj9c_E';

let pki: TestPki;
let key: TestSigningKey;
let resolver: AccessTokenResolver;
let bound: string;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
});
afterAll(() => pki.cleanup());

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, clock: () => NOW_MS, ...options });

/** A request as a Node adapter on an https server builds it: the TLS certificate as DER. */
function withCertificate(
  token: string,
  certificate: Uint8Array | string | undefined,
  extra: Partial<RsRequest> = {},
) {
  return bearerRequest(token, { clientCertificate: certificate, ...extra });
}

function withHeaders(
  token: string,
  headers: Record<string, string | string[]>,
  extra: Partial<RsRequest> = {},
) {
  return bearerRequest(token, { headers: { authorization: `Bearer ${token}`, ...headers }, ...extra });
}

describe('the TLS connection certificate (RsRequest.clientCertificate)', () => {
  it('accepts the certificate the token is bound to, as DER or PEM', async () => {
    const rs = server();
    const context = expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.der)));
    expect(context.confirmation?.['x5t#S256']).toBe(pki.client.thumbprint);
    expectAccepted(await rs.authenticate(withCertificate(bound, new Uint8Array(pki.client.der))));
    // API Gateway mutual TLS hands Lambda `clientCert.clientCertPem`.
    expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.pem)));
  });

  it('refuses another certificate, and none at all, with 401 invalid_token', async () => {
    const rs = server();
    const wrong = expectRejected(
      await rs.authenticate(withCertificate(bound, pki.other.der)),
      'certificate_mismatch',
    );
    expect(wrong.wwwAuthenticate).toBe(
      invalidTokenChallenge('The client certificate is not the one the access token is bound to'),
    );
    // The CA that signed the client certificate is not the client certificate.
    expectRejected(await rs.authenticate(withCertificate(bound, pki.ca.der)), 'certificate_mismatch');
    expectRejected(await rs.authenticate(withCertificate(bound, undefined)), 'certificate_missing');
  });

  it('refuses a connection certificate that is not one X.509 certificate', async () => {
    const rs = server();
    expectRejected(
      await rs.authenticate(withCertificate(bound, new Uint8Array([1, 2, 3]))),
      'certificate_invalid',
    );
    expectRejected(await rs.authenticate(withCertificate(bound, 'not pem')), 'certificate_invalid');
  });

  it('accepts the x5t#SHA256 spelling, and refuses a cnf value that is not a SHA-256 thumbprint', async () => {
    const rs = server();
    const wso2 = await mint(key, { cnf: { 'x5t#SHA256': pki.client.thumbprint } });
    expectAccepted(await rs.authenticate(withCertificate(wso2, pki.client.der)));
    for (const value of ['abc', 42, `${pki.client.thumbprint}AA`, pki.client.hex]) {
      const token = await mint(key, { cnf: { 'x5t#S256': value } });
      expectRejected(await rs.authenticate(withCertificate(token, pki.client.der)), 'claim_invalid');
    }
  });

  it('confirms a cached token on every request', async () => {
    let calls = 0;
    const cache = tokenCache({
      resolve: (token, context) => {
        calls++;
        return resolver.resolve(token, context);
      },
    });
    const rs = server({ resolver: cache });
    expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.der)));
    expectRejected(await rs.authenticate(withCertificate(bound, pki.other.der)), 'certificate_mismatch');
    expectRejected(await rs.authenticate(withCertificate(bound, undefined)), 'certificate_missing');
    expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.pem)));
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 1 });
  });
});

describe('a trusted certificate header (certificateHeader)', () => {
  const header = 'x-client-cert-7f3a';

  it('is ignored entirely while header trust is off: a spoofed header does nothing', async () => {
    const rs = server();
    for (const value of [pki.client.pem.replace(/\n/g, ' '), encodeURIComponent(pki.client.pem), 'garbage']) {
      for (const name of [header, 'x-forwarded-client-cert', 'client-cert', 'x-ssl-client-cert']) {
        expectRejected(await rs.authenticate(withHeaders(bound, { [name]: value })), 'certificate_missing');
      }
    }
    // And it never replaces the connection's own certificate.
    expectRejected(
      await rs.authenticate(
        withHeaders(
          bound,
          { [header]: pki.client.pem.replace(/\n/g, ' ') },
          { clientCertificate: pki.other.der },
        ),
      ),
      'certificate_mismatch',
    );
  });

  it('reads the configured header, named in any case', async () => {
    const rs = server({ certificateHeader: { name: 'X-Client-Cert-7F3A', format: 'url-encoded-pem' } });
    expectAccepted(
      await rs.authenticate(withHeaders(bound, { [header]: encodeURIComponent(pki.client.pem) })),
    );
    expectRejected(
      await rs.authenticate(withHeaders(bound, { [header]: encodeURIComponent(pki.other.pem) })),
      'certificate_mismatch',
    );
    expectRejected(await rs.authenticate(withHeaders(bound, {})), 'certificate_missing');
  });

  it("takes the certificate from a listed proxy's header only, never from the proxy connection", async () => {
    const rs = server({ certificateHeader: { name: header, trustedProxies: ['10.0.0.1'] } });
    // The proxy's own client certificate on the connection is not the client's.
    expectRejected(
      await rs.authenticate(withCertificate(bound, pki.client.der, { peerAddress: '10.0.0.1' })),
      'certificate_missing',
    );
  });

  it('without trustedProxies, judges a peer that presents its own TLS certificate by that certificate', async () => {
    const rs = server({ certificateHeader: { name: header } });
    const spoofed = { [header]: oneLinePem(pki.client.pem) };
    expectRejected(
      await rs.authenticate(withHeaders(bound, spoofed, { clientCertificate: pki.other.der })),
      'certificate_mismatch',
    );
    expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.der)));
    expectAccepted(await rs.authenticate(withHeaders(bound, spoofed)));
  });

  it('answers 401 for a header that is present but undecodable, twice, or too large', async () => {
    const rs = server({ certificateHeader: { name: header, maxLength: 4_000 } });
    const cases: [string | string[], string][] = [
      ['garbage', 'The client certificate header could not be decoded'],
      [pki.client.keyPem.replace(/\n/g, ' '), 'The client certificate header could not be decoded'],
      [
        `Hash=${pki.other.hex};Cert="${encodeURIComponent(pki.client.pem)}"`,
        'The client certificate header holds a hash of another certificate',
      ],
      [
        [oneLinePem(pki.client.pem), oneLinePem(pki.client.pem)],
        'The client certificate header was sent more than once',
      ],
      // Not spaces: core strips those around a header value before it measures it.
      [`${oneLinePem(pki.client.pem)}${'A'.repeat(4_000)}`, 'The client certificate header is too large'],
    ];
    for (const [value, description] of cases) {
      const rejection = expectRejected(
        await rs.authenticate(withHeaders(bound, { [header]: value })),
        'certificate_header_invalid',
      );
      expect(rejection.description).toBe(description);
      expect(rejection.status).toBe(401);
    }
    // A token that is not bound does not need the header: nothing is decoded for it.
    expectAccepted(await rs.authenticate(withHeaders(await mint(key), { [header]: 'garbage' })));
  });

  it('accepts the WSO2 one-line PEM in x-wso2-mtls-cert, bound as x5t#SHA256', async () => {
    const rs = server({ certificateHeader: { name: 'x-wso2-mtls-cert', format: 'pem' } });
    const token = await mint(key, { cnf: { 'x5t#SHA256': WSO2_HEADER_THUMBPRINT } });
    expectAccepted(
      await rs.authenticate(withHeaders(token, { 'x-wso2-mtls-cert': WSO2_HEADER_CERTIFICATE })),
    );
    expectRejected(
      await rs.authenticate(withHeaders(token, { 'x-wso2-mtls-cert': oneLinePem(pki.client.pem) })),
      'certificate_mismatch',
    );
  });

  it('accepts the Identity Gateway header: base64 of the PEM file', async () => {
    const rs = server({ certificateHeader: { name: 'ssl_client_cert' } });
    const value = Buffer.from(pki.client.pem).toString('base64');
    expectAccepted(await rs.authenticate(withHeaders(bound, { ssl_client_cert: value })));
  });
});

describe('trusted proxies', () => {
  const header = 'x-client-cert-7f3a';
  const viaProxy = (
    peerAddress: string | undefined,
    value = oneLinePem(pki.client.pem),
    certificate?: Uint8Array,
  ) => withHeaders(bound, { [header]: value }, { peerAddress, clientCertificate: certificate });

  it('honours the header only from a listed address or range', async () => {
    const rs = server({
      certificateHeader: { name: header, trustedProxies: ['192.0.2.10', '10.0.0.0/8', 'fd00::/8', '::1'] },
    });
    for (const peer of [
      '192.0.2.10',
      '10.1.2.3',
      '::ffff:10.200.0.1',
      'fd12:3456::1',
      '::1',
      '0:0:0:0:0:0:0:1',
    ]) {
      expectAccepted(await rs.authenticate(viaProxy(peer)));
    }
    for (const peer of ['192.0.2.11', '11.0.0.1', '::ffff:192.0.2.11', 'fe80::1', 'not an address']) {
      expectRejected(await rs.authenticate(viaProxy(peer)), 'certificate_missing');
      // An untrusted peer may even send garbage: the header is not read at all.
      expectRejected(await rs.authenticate(viaProxy(peer, 'garbage')), 'certificate_missing');
    }
  });

  it('lets clients that connect directly use their TLS certificate beside the proxy', async () => {
    const rs = server({ certificateHeader: { name: header, trustedProxies: ['10.0.0.1'] } });
    expectAccepted(await rs.authenticate(viaProxy('203.0.113.5', oneLinePem(pki.other.pem), pki.client.der)));
    expectRejected(
      await rs.authenticate(viaProxy('203.0.113.5', oneLinePem(pki.client.pem), pki.other.der)),
      'certificate_mismatch',
    );
  });

  it('refuses at start-up a header without a usable name, format or proxy list', () => {
    const build = (certificateHeader: unknown) =>
      server({ certificateHeader: certificateHeader as ResourceServerOptions['certificateHeader'] });
    expectConfigError(() => build({}), 'certificateHeader.name');
    expectConfigError(() => build({ name: 'bad name' }), 'certificateHeader.name');
    expectConfigError(() => build({ name: 'Authorization' }), 'certificateHeader.name');
    expectConfigError(() => build({ name: 'DPoP' }), 'certificateHeader.name');
    expectConfigError(() => build({ name: 'x-c', format: 'der' }), 'certificateHeader.format');
    expectConfigError(() => build({ name: 'x-c', maxLength: 0 }), 'certificateHeader.maxLength');
    // No bound at all: the header parsers would read whatever a peer sends.
    for (const maxLength of [1e12, 1024 * 1024 + 1, Number.MAX_SAFE_INTEGER])
      expectConfigError(() => build({ name: 'x-c', maxLength }), 'certificateHeader.maxLength');
    expect(() => build({ name: 'x-c', maxLength: 1024 * 1024 })).not.toThrow();
    for (const entry of [
      '10.0.0.256',
      '10.0.0.0/33',
      '10.0.0.0/',
      'fd00::/129',
      'fd00:::1',
      'proxy.internal',
      '1.2.3.4/8/9',
    ]) {
      expectConfigError(
        () => build({ name: 'x-c', trustedProxies: [entry] }),
        'certificateHeader.trustedProxies',
      );
    }
    expectConfigError(
      () => build({ name: 'x-c', trustedProxies: '10.0.0.1' }),
      'certificateHeader.trustedProxies',
    );
    // An unset variable is a list that failed to load, not "trust every peer" (which leaving it out says).
    const unset: Record<string, string | undefined> = {};
    const error = expectConfigError(
      () => build({ name: 'x-c', trustedProxies: unset.PROXIES?.split(',') }),
      'certificateHeader.trustedProxies',
    );
    expect(error.problem).toMatch(/undefined/);
    expect(() => build({ name: 'x-c' })).not.toThrow();
    expectConfigError(() => build('x-c'), 'certificateHeader');
  });

  it.each([
    'Host',
    'cookie',
    'Content-Length',
    'Transfer-Encoding',
    'Connection',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
    'Proxy-Connection',
    'Proxy-Authorization',
  ])('refuses at start-up %s as the certificate header: no proxy sends a certificate in it', (name) => {
    expectConfigError(() => server({ certificateHeader: { name } }), 'certificateHeader.name');
  });

  it.each(['010.0.0.1', '10.0.0.01', '10.00.0.1/8', '::ffff:010.0.0.1', '00.0.0.0/0'])(
    'refuses at start-up the trusted proxy %s: a leading zero reads as decimal or octal (RFC 6943 §3.1.1)',
    (entry) => {
      const error = expectConfigError(
        () => server({ certificateHeader: { name: 'x-c', trustedProxies: [entry] } }),
        'certificateHeader.trustedProxies',
      );
      expect(error.message).toContain('leading zero');
    },
  );

  it('accepts zero itself in any part of a trusted proxy', () => {
    expect(() =>
      server({
        certificateHeader: {
          name: 'x-c',
          trustedProxies: ['10.0.0.0', '10.0.0.0/8', '10.0.0.0/32', '::ffff:10.0.0.0', '0.0.0.0/8'],
        },
      }),
    ).not.toThrow();
  });
});

describe('requireSenderConstrained: mtls', () => {
  it('refuses a plain bearer token on the server or on a route, and accepts a bound one', async () => {
    const plain = await mint(key);
    const rs = server({ requireSenderConstrained: 'mtls' });
    const refused = expectRejected(await rs.authenticate(bearerRequest(plain)), 'sender_constraint_required');
    expect(refused.wwwAuthenticate).toBe(
      invalidTokenChallenge('This resource requires a certificate-bound access token'),
    );
    expectAccepted(await rs.authenticate(withCertificate(bound, pki.client.der)));

    const open = server();
    const route = open.checkPolicy({ requireSenderConstrained: 'mtls' }, 'route');
    expectAccepted(await open.authenticate(bearerRequest(plain)));
    expectRejected(await open.authenticate(bearerRequest(plain), route), 'sender_constraint_required');
    expectAccepted(await open.authenticate(withCertificate(bound, pki.client.der), route));
  });
});
