import { createTestPki, generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { timingSafeEqual, timingSafeEqualStrings } from '../../src/crypto/constant-time.js';
import {
  type AccessTokenResolver,
  type Confirmation,
  createResourceServer,
  jwtResolver,
  memoryReplayStore,
  normalizeHttpUri,
  type ResourceServerOptions,
  staticJwks,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { addressMatcher, parseIpAddress } from '../../src/mtls/ip-address.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

// A clock reads milliseconds since the epoch (readings before 2000 are refused): times in these tests
// count from this instant.
const EPOCH_MS = Date.UTC(2026, 0, 1);

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let certificate: { der: Buffer; thumbprint: string };

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey();
  const pki = createTestPki();
  certificate = pki.client;
  pki.cleanup();
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, clock: () => NOW_MS, ...options });

describe('confirmation methods', () => {
  it('refuses a cnf with only methods it cannot check, never treating the token as a bearer token', async () => {
    const rs = server();
    for (const cnf of [
      { kid: 'k' },
      { jku: 'https://as/jwks' },
      { jwe: 'x.y.z.a.b' },
      { osc: {} },
      { foo: 'bar' },
      {},
    ]) {
      expectRejected(
        await rs.authenticate(bearerRequest(await mint(issuerKey, { cnf }))),
        'confirmation_unsupported',
      );
    }
  });

  it('refuses a checkable method beside an uncheckable one, and the SHA-1 x5t', async () => {
    const rs = server();
    const both = await mint(issuerKey, { cnf: { 'x5t#S256': certificate.thumbprint, kid: 'k' } });
    expectRejected(
      await rs.authenticate(bearerRequest(both, { clientCertificate: certificate.der })),
      'confirmation_unsupported',
    );
    const sha1 = await mint(issuerKey, { cnf: { x5t: 'abc' } });
    expectRejected(await rs.authenticate(bearerRequest(sha1)), 'confirmation_unsupported');
  });

  it('ignores members that are not confirmation methods (AM puts auth_level in cnf)', async () => {
    const token = await mint(issuerKey, { cnf: { 'x5t#S256': certificate.thumbprint, auth_level: 0 } });
    expectAccepted(await server().authenticate(bearerRequest(token, { clientCertificate: certificate.der })));
  });

  it('requires every method present: a token bound to a certificate and a DPoP key needs both', async () => {
    const token = await mint(issuerKey, { cnf: { 'x5t#S256': certificate.thumbprint, jkt: client.jkt } });
    const proof = () => makeProof(client, {}, { token });
    expectAccepted(
      await server().authenticate(dpopRequest(token, await proof(), { clientCertificate: certificate.der })),
    );
    expectRejected(await server().authenticate(dpopRequest(token, await proof())), 'certificate_missing');
    expectRejected(
      await server().authenticate(bearerRequest(token, { clientCertificate: certificate.der })),
      'dpop_bound_token_as_bearer',
    );
  });

  // A custom resolver that builds its own token info, without tokenInfoFromClaims.
  const customResolver = (
    claims: Record<string, unknown>,
    confirmation: Confirmation,
  ): AccessTokenResolver => ({
    resolve: async () => ({
      ok: true,
      value: {
        ...tokenInfoFromClaims({ iss: ISSUER, aud: AUDIENCE, ...claims }, 'introspection'),
        confirmation,
      },
    }),
  });

  it('checks the x5t#SHA256 spelling also in token info that a custom resolver builds', async () => {
    const cnf = { 'x5t#SHA256': certificate.thumbprint };
    const rs = server({ resolver: customResolver({ cnf }, cnf) });
    expectAccepted(await rs.authenticate(bearerRequest('opaque', { clientCertificate: certificate.der })));
    expectRejected(await rs.authenticate(bearerRequest('opaque')), 'certificate_missing');
    const other = createTestPki();
    expectRejected(
      await rs.authenticate(bearerRequest('opaque', { clientCertificate: other.client.der })),
      'certificate_mismatch',
    );
    other.cleanup();
  });

  it('checks the confirmation of token info whose claims do not carry cnf', async () => {
    const rs = server({ resolver: customResolver({}, { 'x5t#S256': certificate.thumbprint }) });
    expectAccepted(await rs.authenticate(bearerRequest('opaque', { clientCertificate: certificate.der })));
    expectRejected(await rs.authenticate(bearerRequest('opaque')), 'certificate_missing');
  });

  it('refuses a cnf.jkt that is not a string', async () => {
    const token = await mint(issuerKey, { cnf: { jkt: 42 } });
    expectRejected(
      await server().authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
      'claim_invalid',
    );
  });
});

describe('cnf.jwk tokens (as ForgeRock Access Management issues them)', () => {
  it('are satisfied by a DPoP proof signed with that key, and refused for another key', async () => {
    const token = await mint(issuerKey, {
      cnf: { jwk: { ...client.publicJwk, kid: 'myPublicJSONWebKey', use: 'enc' } },
    });
    const context = expectAccepted(
      await server().authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
    );
    expect(context.scheme).toBe('DPoP');
    const other = await dpopKey();
    expectRejected(
      await server().authenticate(dpopRequest(token, await makeProof(other, {}, { token }))),
      'dpop_key_mismatch',
    );
  });

  it('are refused as Bearer without an application verifier, and confirmed by one', async () => {
    const token = await mint(issuerKey, { cnf: { jwk: client.publicJwk } });
    const refused = expectRejected(
      await server().authenticate(bearerRequest(token)),
      'jwk_confirmation_failed',
      401,
    );
    expect(refused.description).toBe(
      'The request does not prove possession of the key the access token is bound to',
    );

    const seen: unknown[] = [];
    const verifying = server({
      jwkConfirmation: (jwk, request, info) => {
        seen.push(jwk, info.subject);
        return request.headers['x-signed'] === 'yes';
      },
    });
    expectAccepted(
      await verifying.authenticate(
        bearerRequest(token, { headers: { authorization: `Bearer ${token}`, 'x-signed': 'yes' } }),
      ),
    );
    expect(seen).toEqual([client.publicJwk, 'user-123']);
    expectRejected(await verifying.authenticate(bearerRequest(token)), 'jwk_confirmation_failed');
    const throwing = server({
      jwkConfirmation: () => {
        throw new Error('bug');
      },
    });
    expectRejected(await throwing.authenticate(bearerRequest(token)), 'jwk_confirmation_failed');
    const truthy = server({ jwkConfirmation: () => 'yes' as never });
    expectRejected(await truthy.authenticate(bearerRequest(token)), 'jwk_confirmation_failed');
  });

  it('refuse a cnf.jwk that is not a key', async () => {
    for (const jwk of ['key', { kty: 'EC' }]) {
      const token = await mint(issuerKey, { cnf: { jwk } });
      expectRejected(
        await server().authenticate(dpopRequest(token, await makeProof(client, {}, { token }))),
        'claim_invalid',
      );
    }
  });
});

describe('requireSenderConstrained', () => {
  it('"any" accepts certificate-bound, DPoP-bound and key-confirmed tokens and refuses plain ones', async () => {
    const rs = server({ requireSenderConstrained: 'any', jwkConfirmation: () => true });
    const plain = await mint(issuerKey);
    expectRejected(await rs.authenticate(bearerRequest(plain)), 'sender_constraint_required');
    const certificateBound = await mint(issuerKey, { cnf: { 'x5t#S256': certificate.thumbprint } });
    expectAccepted(
      await rs.authenticate(bearerRequest(certificateBound, { clientCertificate: certificate.der })),
    );
    const dpopBound = await mint(issuerKey, { cnf: { jkt: client.jkt } });
    expectAccepted(
      await rs.authenticate(dpopRequest(dpopBound, await makeProof(client, {}, { token: dpopBound }))),
    );
    const keyBound = await mint(issuerKey, { cnf: { jwk: client.publicJwk } });
    expectAccepted(await rs.authenticate(bearerRequest(keyBound)));
  });

  it('applies the server and the route demands together', async () => {
    const rs = server({ requireSenderConstrained: 'mtls' });
    const route = rs.checkPolicy({ requireSenderConstrained: 'dpop' }, 'route');
    const dpopOnly = await mint(issuerKey, { cnf: { jkt: client.jkt } });
    const both = await mint(issuerKey, { cnf: { jkt: client.jkt, 'x5t#S256': certificate.thumbprint } });
    expectRejected(
      await rs.authenticate(dpopRequest(dpopOnly, await makeProof(client, {}, { token: dpopOnly })), route),
      'sender_constraint_required',
    );
    expectAccepted(
      await rs.authenticate(
        dpopRequest(both, await makeProof(client, {}, { token: both }), {
          clientCertificate: certificate.der,
        }),
        route,
      ),
    );
  });

  it('refuses bad options at start-up', () => {
    expectConfigError(
      () => server({ requireSenderConstrained: 'strict' as never }),
      'requireSenderConstrained',
    );
    expectConfigError(() => server({ jwkConfirmation: 'yes' as never }), 'jwkConfirmation');
    expectConfigError(() => server({ dpop: 'on' as never }), 'dpop');
    for (const algorithms of [['HS256'], ['none'], [], ['ES256', 'RS1']]) {
      expectConfigError(() => server({ dpop: { algorithms } }), 'dpop.algorithms');
    }
    expectConfigError(() => server({ dpop: { iatWindow: 0 } }), 'dpop.iatWindow');
    expectConfigError(() => server({ dpop: { maxProofLength: -1 } }), 'dpop.maxProofLength');
    expectConfigError(() => server({ dpop: { replayStore: {} as never } }), 'dpop.replayStore');
    expectConfigError(() => memoryReplayStore({ maxEntries: 0 }), 'memoryReplayStore.maxEntries');
  });
});

describe('building blocks', () => {
  it('timingSafeEqual compares every byte and refuses other lengths', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
    expect(timingSafeEqualStrings('abc', 'abc')).toBe(true);
    expect(timingSafeEqualStrings('abc', 'abd')).toBe(false);
  });

  it('memoryReplayStore refuses a key within its TTL, forgets it after, and stays bounded', async () => {
    let now = 0;
    const store = memoryReplayStore({ maxEntries: 3, clock: () => EPOCH_MS + now });
    expect(await store.remember('a', 1_000)).toBe(true);
    expect(await store.remember('a', 1_000)).toBe(false);
    now = 999;
    expect(await store.remember('a', 1_000)).toBe(false);
    now = 1_000;
    expect(await store.remember('a', 1_000)).toBe(true);
    for (const key of ['b', 'c', 'd', 'e']) expect(await store.remember(key, 10_000)).toBe(true);
    expect(store.size()).toBeLessThanOrEqual(3);
    expect(store.evictions()).toBe(2);
    expect(await store.remember('e', 10_000)).toBe(false);
    now = 50_000;
    await store.remember('f', 10);
    expect(store.size()).toBe(1);
  });

  it('parses IPv4, IPv6 and IPv4-mapped addresses, and matches CIDR ranges', () => {
    expect([...parseIpAddress('10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    expect([...parseIpAddress('::ffff:10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    expect(parseIpAddress('fe80::1%eth0')?.length).toBe(16);
    expect(parseIpAddress('2001:db8::')).toEqual(parseIpAddress('2001:0db8:0:0:0:0:0:0'));
    expect(parseIpAddress('::')).toEqual(new Uint8Array(16));
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1::2::3',
      '12345::',
      'g::1',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
    const matcher = addressMatcher(['172.16.0.0/12', '2001:db8::/33', '192.0.2.1', '8.0.0.0/8'], 'x');
    expect(matcher.matches('172.31.255.255')).toBe(true);
    expect(matcher.matches('2001:db8:7fff::1')).toBe(true);
    expect(matcher.matches('2001:db8:8000::1')).toBe(false);
    expect(matcher.matches('8.8.8.8')).toBe(true);
    expect(matcher.matches(undefined)).toBe(false);
    const narrow = addressMatcher(['172.16.0.0/12'], 'x');
    expect(narrow.matches('172.32.0.1')).toBe(false);
  });

  it('normalizeHttpUri follows RFC 3986 and refuses what is not an http(s) URI', () => {
    expect(normalizeHttpUri('HTTPS://API.Example.com:443/%7euser/./items?q=1#f')).toBe(
      'https://api.example.com/~user/items',
    );
    expect(normalizeHttpUri('http://example.com:80')).toBe('http://example.com/');
    expect(normalizeHttpUri('https://example.com/%2f%41')).toBe('https://example.com/%2FA');
    expect(normalizeHttpUri('https://example.com:8443/a')).toBe('https://example.com:8443/a');
    for (const bad of ['/relative', 'ftp://example.com/', 'https://u:p@example.com/', 'not a url']) {
      expect(normalizeHttpUri(bad), bad).toBeUndefined();
    }
  });
});
