// certificateHeader.trustedProxies trusts what it says and no more: a range of every address, or a range
// written with host bits set, is refused at start-up (as Python's ip_network(strict=True) refuses it); and
// a request whose adapter knows no peer address cannot be matched against the list, so a header on it is
// refused by its own code, never read as "no certificate".
import {
  createTestPki,
  generateSigningKey,
  jwksOf,
  oneLinePem,
  type TestPki,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRsRequest } from '../../src/adapter/index.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { addressMatcher } from '../../src/mtls/ip-address.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

const HEADER = 'x-client-cert-3e8d';
const OPTION = 'certificateHeader.trustedProxies';

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

const server = (trustedProxies: readonly string[]) =>
  createResourceServer({
    resolver,
    clock: () => NOW_MS,
    certificateHeader: { name: HEADER, trustedProxies },
  });

describe('a trusted proxy range of every address', () => {
  it.each([
    ['0.0.0.0/0', 'IPv4'],
    ['10.0.0.0/0', 'IPv4'],
    ['::/0', 'IPv6'],
    ['0::0/0', 'IPv6'],
    ['fd00::/0', 'IPv6'],
    ['::ffff:0:0/96', 'IPv4'],
    ['::ffff:0.0.0.0/96', 'IPv4'],
  ])('%s is refused at start-up as every %s address', (entry, family) => {
    const error = expectConfigError(() => server(['10.0.0.1', entry]), OPTION);
    expect(error.message).toContain(`"${entry}" is a range of every ${family} address`);
    expect(error.message).toContain('leave the option out');
  });
});

describe('a trusted proxy range with host bits set', () => {
  it.each([
    ['192.168.1.10/24', '192.168.1.0/24'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['10.0.0.1/31', '10.0.0.0/31'],
    ['172.16.5.4/12', '172.16.0.0/12'],
    ['100.64.0.1/10', '100.64.0.0/10'],
    ['fd00::1/8', 'fd00::/8'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['2001:db8:0:0:1::/64', '2001:db8::/64'],
    ['2001:db8:1:2:3:4:5:7/127', '2001:db8:1:2:3:4:5:6/127'],
    ['fe80::1%eth0/64', 'fe80::/64'],
    ['64:ff9b::10.1.2.3/96', '64:ff9b::/96'],
    ['::ffff:10.1.2.3/104', '::ffff:10.0.0.0/104'],
    ['::ffff:a01:203/104', '::ffff:10.0.0.0/104'],
    ['::ffff:192.0.2.10/120', '::ffff:192.0.2.0/120'],
  ])('%s is refused at start-up, naming the network %s', (entry, network) => {
    const error = expectConfigError(() => server([entry]), OPTION);
    expect(error.message).toContain(`"${entry}" has host bits set`);
    expect(error.message).toContain(`write the network ${network},`);
    // The network named is itself accepted.
    expect(() => server([network])).not.toThrow();
  });

  it.each([
    '192.168.1.0/24',
    '10.0.0.0/8',
    '192.0.2.10/32',
    '192.0.2.10',
    '0.0.0.0/8',
    '::1/128',
    'fc00::/7',
    'fd00::/8',
    '2001:db8::/32',
    '::ffff:10.0.0.0/104',
    '::ffff:192.0.2.10',
  ])('%s, a network or one address, is accepted', (entry) => {
    expect(() => addressMatcher([entry], OPTION)).not.toThrow();
  });
});

describe('a trusted proxy range wider than any network of proxies', () => {
  it.each([
    ['0.0.0.0/1'],
    ['128.0.0.0/1'],
    ['64.0.0.0/2'],
    ['0.0.0.0/7'],
    ['::ffff:0.0.0.0/100'],
    ['2000::/3'],
    ['fc00::/6'],
    ['::/1'],
  ])('%s is refused at start-up: it holds public addresses by the hundred million', (entry) => {
    const error = expectConfigError(() => server(['10.0.0.1', entry]), OPTION);
    expect(error.message).toContain(`"${entry}" spans public addresses far beyond any network of proxies`);
    expect(error.message).toContain('list the proxies, or their network');
  });

  it('refuses two halves that together trust every IPv4 address', () => {
    expectConfigError(() => server(['0.0.0.0/1', '128.0.0.0/1']), OPTION);
  });

  it.each(['10.0.0.0/8', 'fc00::/7', '::ffff:10.0.0.0/104'])(
    'accepts the widest private network %s',
    (entry) => {
      expect(() => server([entry])).not.toThrow();
    },
  );
});

describe('the unspecified address as a trusted proxy', () => {
  it.each(['0.0.0.0', '0.0.0.0/32', '::', '::/128', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0'])(
    '%s is refused at start-up: it is a bind address, which no peer has, not "every peer"',
    (entry) => {
      const error = expectConfigError(() => server([entry]), OPTION);
      expect(error.message).toContain(`"${entry}" is the unspecified address, which no peer has`);
    },
  );
});

describe('a certificate header on a request without a peer address', () => {
  const withHeader = (value: string | string[], extra: Partial<RsRequest> = {}) =>
    bearerRequest(bound, { headers: { authorization: `Bearer ${bound}`, [HEADER]: value }, ...extra });

  it('is refused as untrusted while proxies are listed: its sender cannot be checked', async () => {
    const rs = server(['10.0.0.1']);
    for (const value of [oneLinePem(pki.client.pem), oneLinePem(pki.other.pem), 'garbage']) {
      const rejection = expectRejected(
        await rs.authenticate(withHeader(value)),
        'certificate_header_untrusted',
        401,
      );
      expect(rejection.body.error).toBe('invalid_token');
      expect(rejection.description).toBe('The sender of the client certificate header could not be checked');
    }
    // Sent twice, or beside a certificate on the connection: still no sender to check.
    const twice = withHeader([oneLinePem(pki.client.pem), oneLinePem(pki.client.pem)]);
    expectRejected(await rs.authenticate(twice), 'certificate_header_untrusted');
    const beside = withHeader(oneLinePem(pki.client.pem), { clientCertificate: pki.client.der });
    expectRejected(await rs.authenticate(beside), 'certificate_header_untrusted');
  });

  it('is refused so on the request a Fetch adapter builds, which carries no peer address', async () => {
    const rs = server(['10.0.0.1']);
    const request = new Request(API_URL, {
      headers: { authorization: `Bearer ${bound}`, [HEADER]: encodeURIComponent(pki.client.pem) },
    });
    const translated = await fetchRsRequest(request, undefined, { enabled: false, maxBytes: 0 });
    expectRejected(await rs.authenticate(translated), 'certificate_header_untrusted');
  });

  it('leaves a request without the header to its connection certificate', async () => {
    const rs = server(['10.0.0.1']);
    expectRejected(await rs.authenticate(bearerRequest(bound)), 'certificate_missing');
    expectRejected(await rs.authenticate(withHeader(' ')), 'certificate_missing');
    expectAccepted(await rs.authenticate(bearerRequest(bound, { clientCertificate: pki.client.der })));
    // A token that is not bound to a certificate never looks at the header.
    const plain = await mint(key);
    expectAccepted(
      await rs.authenticate(
        bearerRequest(plain, { headers: { authorization: `Bearer ${plain}`, [HEADER]: 'x' } }),
      ),
    );
  });

  it('is still read from a listed proxy, and ignored from any other peer', async () => {
    const rs = server(['10.0.0.1']);
    const value = oneLinePem(pki.client.pem);
    expectAccepted(await rs.authenticate(withHeader(value, { peerAddress: '10.0.0.1' })));
    expectRejected(
      await rs.authenticate(withHeader(value, { peerAddress: '10.0.0.2' })),
      'certificate_missing',
    );
  });
});
