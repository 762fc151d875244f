// The elements of a Content-Encoding on a form body (RFC 9110 §8.4): which name no coding, and the cost
// of reading them, which an unauthenticated client chooses (a header value up to Node's 16 KB and beyond).
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { isContentCoded } from '../../src/extract/form-body.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';
import { growth, LINEAR_GROWTH_BOUND } from '../linear-growth.js';

const FORM = 'application/x-www-form-urlencoded';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let token: string;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key);
});

const server = () =>
  createResourceServer({ resolver, clock: () => NOW_MS, tokenLocations: { formBody: true } });

const formPost = (contentEncoding: string, form: Record<string, unknown>): RsRequest => ({
  method: 'POST',
  url: API_URL,
  headers: { 'content-type': FORM, 'content-encoding': contentEncoding },
  form,
});

// Nothing but spaces and tabs around `identity`, in any ASCII case, or nothing at all.
const NO_CODING = [
  '',
  ' ',
  '\t',
  ' \t \t',
  'identity',
  'IDENTITY',
  'iDeNtItY',
  ' identity\t',
  '\t\tIdentity  ',
  ',',
  ' , \t,identity, ',
];
// A coding, or white space that is not a space or a tab (which no parser trims alike), or a look-alike
// of `identity` whose letters only fold to ASCII under Unicode case rules.
const CODED = [
  'gzip',
  'identity gzip',
  'identityx',
  'x',
  '\u00a0',
  '\u00a0identity',
  'identity\u00a0',
  '\u2003identity',
  '\u3000',
  '\ufeffidentity',
  '\videntity',
  '\fidentity',
  '\nidentity',
  'identity\r',
  '\u0131dent\u0131ty',
  '\u0130DENT\u0130TY',
  'identity, gzip',
  ' \t, br',
];

describe('a Content-Encoding element names no coding', () => {
  it.each(NO_CODING)('when it is %j', (value) => {
    expect(isContentCoded({ 'content-encoding': value })).toBe(false);
  });

  it.each(CODED)('and not when it is %j', (value) => {
    expect(isContentCoded({ 'content-encoding': value })).toBe(true);
  });

  it('so that a form body is read with the first, refused with the second', async () => {
    const rs = server();
    for (const value of NO_CODING) {
      const result = await rs.authenticate(formPost(value, { access_token: token }));
      expect(expectAccepted(result).location, JSON.stringify(value)).toBe('form-body');
    }
    for (const value of CODED) {
      expectRejected(
        await rs.authenticate(formPost(value, { access_token: token })),
        'malformed_authorization',
        400,
      );
    }
  });
});

describe('reading a Content-Encoding costs time linear in its length', () => {
  // Runs of spaces or tabs followed by something else: `/^[ \t]*(?:identity)?[ \t]*$/i` tried each
  // split of the run between its two `[ \t]*`, n² steps (16 000 spaces: about 300 ms per request).
  const SHAPES: ReadonlyArray<readonly [string, (n: number) => string]> = [
    ['spaces then a letter', (n) => `${' '.repeat(n)}x`],
    ['tabs then a letter', (n) => `${'\t'.repeat(n)}x`],
    ['spaces and tabs then a coding', (n) => `${' \t'.repeat(n / 2)}gzip`],
    ['identity, spaces, then a letter', (n) => `identity${' '.repeat(n)}x`],
    ['spaces then a no-break space', (n) => `${' '.repeat(n)}\u00a0`],
  ];

  it.each(SHAPES)(
    '%s, on an unauthenticated form POST refused with 400',
    async (_, encodingOf) => {
      const rs = server();
      const ratio = await growth(
        (n) => formPost(encodingOf(n), { note: 'x' }),
        async (request) => {
          expectRejected(await rs.authenticate(request), 'malformed_authorization', 400);
        },
      );
      expect(ratio).toBeLessThan(LINEAR_GROWTH_BOUND);
    },
    60_000,
  );
});
