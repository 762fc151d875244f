// `ResourceServer.certificateHeaderTrustedProxies` is what an adapter that never knows a peer address
// (Fetch, Hono, a Lambda behind an Application Load Balancer) reads to refuse, at start-up, a server whose
// certificate header counts only from listed proxies. It must say so however the server was built: a
// prebuilt server shows no option an adapter could read instead.
import { createTestPki, generateSigningKey, jwksOf, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceServerFrom } from '../../src/adapter/index.js';
import {
  type AccessTokenResolver,
  type CertificateHeaderOptions,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  staticJwks,
} from '../../src/index.js';
import { createResourceServer as createLiteResourceServer } from '../../src/lite/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const HEADER = 'x-client-cert-e83a';

let pki: TestPki;
let resolver: AccessTokenResolver;
/** A token bound to `pki.client`. */
let bound: string;

beforeAll(async () => {
  pki = createTestPki();
  const key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
});
afterAll(() => pki.cleanup());

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, clock: () => NOW_MS, ...options });
const listed: CertificateHeaderOptions = { name: HEADER, trustedProxies: ['10.0.0.0/8'] };

describe('certificateHeaderTrustedProxies', () => {
  it('is true only with certificateHeader.trustedProxies, however the server is built', () => {
    expect(server({ certificateHeader: listed }).certificateHeaderTrustedProxies).toBe(true);
    expect(
      server({ certificateHeader: { ...listed, trustedProxies: ['::1'] } }).certificateHeaderTrustedProxies,
    ).toBe(true);
    // Observed servers are another object built around the pipeline: they say it too.
    expect(server({ certificateHeader: listed, onAudit: () => {} }).certificateHeaderTrustedProxies).toBe(
      true,
    );
    // Adapters given options build the server themselves; given a prebuilt one, they read it.
    expect(resourceServerFrom({ resolver, certificateHeader: listed }).certificateHeaderTrustedProxies).toBe(
      true,
    );
    expect(
      resourceServerFrom({ resourceServer: server({ certificateHeader: listed }) })
        .certificateHeaderTrustedProxies,
    ).toBe(true);

    expect(server({ certificateHeader: { name: HEADER } }).certificateHeaderTrustedProxies).toBe(false);
    expect(server().certificateHeaderTrustedProxies).toBe(false);
    expect(server({ certificateHeader: undefined, dpop: true }).certificateHeaderTrustedProxies).toBe(false);
    // `@rs/core/lite` has no certificate header.
    expect(createLiteResourceServer({ resolver }).certificateHeaderTrustedProxies).toBe(false);
  });

  it('says what the pipeline does: true, a request with the header and no peer address is refused', async () => {
    const header = { [HEADER]: encodeURIComponent(pki.client.pem) };
    const withHeader = (overrides = {}) => {
      const request = bearerRequest(bound, overrides);
      return { ...request, headers: { ...request.headers, ...header } };
    };
    const trusting = server({ certificateHeader: listed });
    expectRejected(await trusting.authenticate(withHeader()), 'certificate_header_untrusted');
    expectAccepted(await trusting.authenticate(withHeader({ peerAddress: '10.1.2.3' })));

    // false: the header of a request without a peer address is read.
    expectAccepted(await server({ certificateHeader: { name: HEADER } }).authenticate(withHeader()));
  });
});
