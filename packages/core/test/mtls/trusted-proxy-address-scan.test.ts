// How certificateHeader.trustedProxies and the peer address of each request are read: an IPv6 zone
// (`%eth0`) dropped, a leading zero named at start-up, and both in time linear in the text's length.
import {
  createTestPki,
  generateSigningKey,
  jwksOf,
  oneLinePem,
  type TestPki,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { addressMatcher, parseIpAddress } from '../../src/mtls/ip-address.js';
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
import { growth, LINEAR_GROWTH_BOUND } from '../linear-growth.js';

const HEADER = 'x-client-cert-5c1d';
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

/** A bound token whose certificate a proxy at `peerAddress` forwards in the header. */
const viaProxy = (peerAddress: string) =>
  bearerRequest(bound, {
    headers: { authorization: `Bearer ${bound}`, [HEADER]: oneLinePem(pki.client.pem) },
    peerAddress,
  });

describe('a peer address with an IPv6 zone', () => {
  it.each([
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%', 'fe80::1'],
    ['fe80::1%25eth0', 'fe80::1'],
    ['fe80::1%eth0%1', 'fe80::1'],
    ['::ffff:10.0.0.7%en0', '10.0.0.7'],
  ])('%s is the address %s', (text, address) => {
    expect(parseIpAddress(text)).toEqual(parseIpAddress(address));
  });

  it.each([
    'fe80::1%eth0\n',
    'fe80::1\n%eth0',
    'fe80::1%eth\r0',
    'fe80::1%eth0\u2028',
    'fe80::1%eth0\u2029',
    '\nfe80::1%eth0',
    '10.0.0.7%eth0',
    '%fe80::1',
    'fe80::1\u00a0%eth0',
  ])('%j is no address: a line terminator is never dropped with a zone', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it('is trusted as its address, and not when a line terminator follows it', async () => {
    const rs = server(['fe80::/10']);
    expectAccepted(await rs.authenticate(viaProxy('fe80::1%eth0')));
    expectRejected(await rs.authenticate(viaProxy('fe80::1%eth0\n')), 'certificate_missing');
  });
});

describe('a trusted proxy with a leading zero in an IPv4 part', () => {
  it.each([
    '010.0.0.1',
    '10.0.0.01',
    '1.2.3.04',
    '00.0.0.0',
    '10.00.0.1/8',
    '::ffff:010.0.0.1',
    '::ffff:10.0.0.09',
    'fe80::1:01.2.3.4',
    '01.2.3.4.5',
    '1.2.3.4.05',
  ])('%s is named for its leading zero', (entry) => {
    const error = expectConfigError(() => addressMatcher([entry], OPTION), OPTION);
    expect(error.message).toContain('leading zero');
  });

  it.each([
    '1.2.3.4.5',
    '10.0.0.01x',
    '10.0.0.1 ',
    ' 010.0.0.1x',
    '10.0.0.01\n',
    '\n10.0.0.01',
    '10.0.0.01\u2028',
    '0x0a.0.0.1',
    '::ffff:10.0.0.0a',
    '1.2.3.0\u0661',
    '1.2.3.\uff101',
  ])('%j is not an address, and no leading zero is blamed', (entry) => {
    const error = expectConfigError(() => addressMatcher([entry], OPTION), OPTION);
    expect(error.message).toContain('is not an IP address or CIDR range');
    expect(error.message).not.toContain('leading zero');
  });
});

describe('reading an address costs time linear in its length', () => {
  it('a peer address of many `%` then a line break, on every request through the header', async () => {
    const rs = server(['fe80::/10']);
    const ratio = await growth(
      (n) => viaProxy(`${'%'.repeat(n)}\n`),
      async (request) => expectRejected(await rs.authenticate(request), 'certificate_missing'),
    );
    expect(ratio).toBeLessThan(LINEAR_GROWTH_BOUND);
  }, 60_000);

  it.each([
    ['parts of 00 then a letter', (n: number) => `${'.00'.repeat(n / 3)}x`],
    ['parts of 01 then a line break', (n: number) => `${'.01'.repeat(n / 3)}\n`],
    ['an IPv6 head and parts of 00 then a letter', (n: number) => `::ffff:${'00.'.repeat(n / 3)}x`],
  ])(
    'a trusted proxy of %s, refused at start-up',
    async (_, entryOf) => {
      const ratio = await growth(entryOf, (entry) =>
        expectConfigError(() => addressMatcher([entry], OPTION), OPTION),
      );
      expect(ratio).toBeLessThan(LINEAR_GROWTH_BOUND);
    },
    60_000,
  );
});
