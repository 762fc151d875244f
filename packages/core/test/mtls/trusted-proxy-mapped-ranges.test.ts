// IPv4-mapped IPv6 ranges in certificateHeader.trustedProxies (RFC 4291 §2.5.5.2): `::ffff:10.0.0.0/104`
// is 10.0.0.0/8, its prefix counted in IPv6 bits, and matches the IPv4 peers a dual-stack socket reports
// either way (`10.1.2.3` or `::ffff:10.1.2.3`).
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
  staticJwks,
} from '../../src/index.js';
import { addressMatcher } from '../../src/mtls/ip-address.js';
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

const HEADER = 'x-client-cert-7f3a';
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
    certificateHeader: { name: HEADER, trustedProxies } as ResourceServerOptions['certificateHeader'],
  });

/** A bound token whose certificate a proxy at `peerAddress` forwards in the header. */
const viaProxy = (peerAddress: string) =>
  bearerRequest(bound, {
    headers: { authorization: `Bearer ${bound}`, [HEADER]: oneLinePem(pki.client.pem) },
    peerAddress,
  });

async function trusts(trustedProxies: readonly string[], peer: string): Promise<boolean> {
  const result = await server(trustedProxies).authenticate(viaProxy(peer));
  if (result.ok) return true;
  expectRejected(result, 'certificate_missing');
  return false;
}

describe('an IPv4-mapped range among the trusted proxies', () => {
  it.each([
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::FFFF:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:a00:0/104', '10.0.0.0/8'],
    ['0:0:0:0:0:ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:172.16.0.0/108', '172.16.0.0/12'],
    ['::ffff:192.0.2.0/120', '192.0.2.0/24'],
    ['::ffff:192.0.2.10/128', '192.0.2.10'],
    ['::ffff:100.64.0.0/106', '100.64.0.0/10'],
  ])('%s is accepted at start-up and trusts the peers of %s, in either spelling', async (mapped, ipv4) => {
    const peers = [
      '10.0.0.1',
      '10.255.255.255',
      '11.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '172.32.0.1',
      '192.0.2.10',
      '192.0.2.11',
      '192.0.3.1',
      '203.0.113.5',
      '0.0.0.0',
    ];
    const ipv4Matcher = addressMatcher([ipv4], OPTION);
    for (const peer of peers) {
      const expected = ipv4Matcher.matches(peer);
      expect(await trusts([mapped], peer), `${mapped} and ${peer}`).toBe(expected);
      expect(await trusts([mapped], `::ffff:${peer}`), `${mapped} and ::ffff:${peer}`).toBe(expected);
    }
    // An IPv6 peer is no IPv4 one, even one whose low 32 bits look like it.
    for (const peer of ['::1', '::a00:1', 'fd00::a00:1', '64:ff9b::a00:1', '::fffe:a00:1']) {
      expect(await trusts([mapped], peer), `${mapped} and ${peer}`).toBe(false);
    }
  });

  it('the mapped spelling of one address still means that address', async () => {
    for (const entry of ['::ffff:10.0.0.7', '::ffff:a00:7']) {
      expect(await trusts([entry], '10.0.0.7')).toBe(true);
      expect(await trusts([entry], '::ffff:10.0.0.7')).toBe(true);
      expect(await trusts([entry], '10.0.0.8')).toBe(false);
    }
  });

  it('honours a certificate forwarded by a proxy in a mapped range beside other ranges', async () => {
    const rs = server(['::ffff:10.0.0.0/104', 'fd00::/8']);
    expectAccepted(await rs.authenticate(viaProxy('::ffff:10.20.30.40')));
    expectAccepted(await rs.authenticate(viaProxy('10.20.30.40')));
    expectAccepted(await rs.authenticate(viaProxy('fd00::1')));
    expectRejected(await rs.authenticate(viaProxy('192.168.0.1')), 'certificate_missing');
  });

  it.each(['::ffff:10.0.0.0/8', '::ffff:0:0/95', '::ffff:0:0/0', '::ffff:10.0.0.0/64'])(
    'refuses %s at start-up, saying a mapped range needs a prefix of 96 or more',
    (entry) => {
      const error = expectConfigError(() => server([entry]), OPTION);
      expect(error.message).toContain('IPv4-mapped address with a prefix under /96');
      expect(error.message).not.toContain('is not an IP address or CIDR range');
    },
  );

  it.each(['::ffff:0:0/96', '::ffff:0.0.0.0/96'])(
    'refuses %s at start-up: every IPv4 address, which leaving the list out already means',
    (entry) => {
      const error = expectConfigError(() => server([entry]), OPTION);
      expect(error.message).toContain('is a range of every IPv4 address');
    },
  );

  it.each(['::ffff:10.0.0.0/129', '::ffff:10.0.0.0/', '::ffff:10.0.0.0/x', '::ffff:10.0.0.0/104/1'])(
    'still refuses %s as no CIDR range',
    (entry) => {
      const error = expectConfigError(() => server([entry]), OPTION);
      expect(error.message).toContain('is not an IP address or CIDR range');
    },
  );
});
