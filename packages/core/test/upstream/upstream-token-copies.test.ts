import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  introspectionResolver,
  type OAuth2Context,
  type RsRequest,
  upstreamHeaders,
} from '../../src/index.js';
import { expectAccepted } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// An opaque token as an authorization server may issue it: RFC 6750's b64token allows `+`, `/` and `=`,
// which every client percent-encodes in a URL. A stand-in authorization server over real HTTP answers
// `active: true` for it alone; the resource server reads it from every location there is.
const TOKEN = 'Ab+cD/ef+gh/8w==';
const ENCODED = encodeURIComponent(TOKEN); // Ab%2BcD%2Fef%2Bgh%2F8w%3D%3D
const NOW_S = 1_900_000_000;
const FORM = 'application/x-www-form-urlencoded';
const CLAIMS = { 'x-token-sub': 'alice' };

let server: StandInServer;
beforeAll(async () => {
  server = await startStandInServer((request) => ({
    json:
      request.form.get('token') === TOKEN
        ? { active: true, sub: 'alice', scope: 'read', exp: NOW_S + 60 }
        : { active: false },
  }));
});
afterAll(() => server.close());

function resourceServer() {
  const resolver = introspectionResolver({
    acceptAnyAudience: true,
    endpoint: server.introspectionEndpoint,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => {
      throw new Error(`unexpected introspection error: ${error.message}`);
    },
  });
  return createResourceServer({
    resolver,
    tokenLocations: { authorizationHeader: true, header: 'apiAccessToken', cookie: 'at', query: true },
    clock: () => NOW_S * 1000,
  });
}

async function accepted(request: Partial<RsRequest>): Promise<OAuth2Context> {
  const url = 'https://api.example.com/orders';
  return expectAccepted(await resourceServer().authenticate({ method: 'GET', url, headers: {}, ...request }));
}

const fromAuthorization = () => accepted({ headers: { authorization: `Bearer ${TOKEN}` } });
const forwarded = () => upstreamHeaders({ claims: ['sub'] });

/** Every spelling a percent-encoder may give the token: escapes in either case, `+` left or escaped. */
const SPELLINGS = [
  ['encodeURIComponent', ENCODED],
  ['lower-case hex', ENCODED.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())],
  ['`+` left as written', ENCODED.replaceAll('%2B', '+')],
  ['every character escaped', [...TOKEN].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
  ['encoded twice (a URL in a URL)', encodeURIComponent(ENCODED)],
  ['encoded three times', encodeURIComponent(encodeURIComponent(ENCODED))],
] as const;

describe('a header quoting the token percent-encoded is removed, as one quoting it as written', () => {
  it('from the query: Referer, X-Original-URI and X-Forwarded-URI quote the URL it came in', async () => {
    const path = `/orders?access_token=${ENCODED}&page=2`;
    const context = await accepted({ url: `https://api.example.com${path}` });
    expect(context.location).toBe('query');
    const upstream = forwarded();
    expect(upstream.rewriteUrl(path, context)).toBe('/orders?page=2');
    const headers = {
      referer: `https://app.example.com${path}`,
      'x-original-uri': path,
      'x-forwarded-uri': path,
      accept: 'application/json',
    };
    expect(upstream.rewrite(headers, context)).toEqual({ accept: 'application/json', ...CLAIMS });
  });

  it.each(SPELLINGS)('spelled as %s', async (_, spelling) => {
    const context = await fromAuthorization();
    const headers = {
      authorization: `Bearer ${TOKEN}`,
      referer: `https://app.example.com/login?next=/orders%3Faccess_token%3D${spelling}`,
      'x-original-uri': `/orders?access_token=${spelling}`,
      'x-copy': spelling,
      cookie: `sid=s1; copy=${spelling}; lang=en`,
      'user-agent': 'curl/8.5.0',
    };
    expect(forwarded().rewrite(headers, context)).toEqual({
      'user-agent': 'curl/8.5.0',
      cookie: 'sid=s1; lang=en',
      ...CLAIMS,
    });
  });

  it('keeps headers with escapes that do not spell the token, as they came', async () => {
    const context = await fromAuthorization();
    const headers = {
      referer: 'https://app.example.com/search?q=a%2Bb%2Fc%3D&d=50%25',
      'x-original-uri': '/search?q=caf%C3%A9&r=Ab+cD/ef',
      cookie: 'sid=s1; prefs=a%2Cb',
    };
    expect(forwarded().rewrite(headers, context)).toEqual({ ...headers, ...CLAIMS });
  });

  it('removes a header whose escapes do not decode: a decoder could read the token in it', async () => {
    const context = await fromAuthorization();
    // NGINX's unescaping drops a `%` that starts no escape, and some UTF-8 decoders drop a byte that
    // is not UTF-8: both read the token in these. Which decoder the upstream uses cannot be told.
    const joined = TOKEN.replace('/', '%/').replace('gh', 'g%FFh');
    const headers = {
      'x-original-uri': `/orders?note=${joined}`,
      'x-discount': '50%',
      cookie: [`lang=fr%E9`, 'sid=s1'],
      accept: '*/*',
    };
    expect(() => forwarded().rewrite(headers, context)).not.toThrow();
    expect(forwarded().rewrite(headers, context)).toEqual({ accept: '*/*', cookie: ['sid=s1'], ...CLAIMS });
  });

  it('removes a header the token is still decoding out of after several rounds: it cannot be told', async () => {
    const context = await fromAuthorization();
    let deep = ENCODED;
    for (let round = 0; round < 6; round++) deep = encodeURIComponent(deep);
    expect(forwarded().rewrite({ 'x-deep': deep, 'x-plain': 'a%2541' }, context)).toEqual({
      'x-plain': 'a%2541',
      ...CLAIMS,
    });
  });

  it('from a cookie: the cookie, or a copy of it, percent-encoded', async () => {
    const cookie = `theme=dark; at=${TOKEN}; lang=en`;
    const context = await accepted({ headers: { cookie } });
    expect(context.location).toBe('cookie');
    expect(forwarded().rewrite({ cookie: `${cookie}; copy=${ENCODED}` }, context)).toEqual({
      cookie: 'theme=dark; lang=en',
      ...CLAIMS,
    });
  });

  it('unless forwardCredentials keeps them all', async () => {
    const context = await fromAuthorization();
    const headers = { referer: `https://app.example.com/?access_token=${ENCODED}`, 'x-discount': '50%' };
    expect(upstreamHeaders({ claims: ['sub'], forwardCredentials: true }).rewrite(headers, context)).toEqual({
      ...headers,
      ...CLAIMS,
    });
  });
});

describe('a field holding the token percent-encoded is removed from the URL and the form body', () => {
  it.each(SPELLINGS)('spelled as %s', async (_, spelling) => {
    const context = await fromAuthorization();
    const upstream = forwarded();
    expect(upstream.rewriteUrl(`/orders?next=${spelling}&page=2`, context)).toBe('/orders?page=2');
    expect(upstream.rewriteForm(`item=42&note=${spelling}`, context)).toBe('item=42');
  });

  it('a URL quoted in a field, with the token in its own query', async () => {
    const context = await fromAuthorization();
    const next = encodeURIComponent(`https://app.example.com/orders?access_token=${ENCODED}`);
    expect(forwarded().rewriteUrl(`/login?next=${next}&lang=en`, context)).toBe('/login?lang=en');
  });

  it('keeps a field with escapes that do not decode, as the extractor reads it', async () => {
    const context = await fromAuthorization();
    expect(forwarded().rewriteUrl('/search?q=50%&page=2', context)).toBe('/search?q=50%&page=2');
  });
});

describe('Content-Length goes with a form body rewriteForm may shorten, wherever the token came', () => {
  it.each([FORM, 'Application/X-WWW-Form-URLEncoded', `${FORM}; charset=UTF-8`, ` ${FORM}\t;charset=utf-8`])(
    'token in Authorization, a copy in a %s body',
    async (contentType) => {
      const body = `note=${ENCODED}&item=42`;
      const context = await accepted({
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
        form: Object.fromEntries(new URLSearchParams(body)),
      });
      expect(context.location).toBe('authorization-header');
      const upstream = forwarded();
      expect(upstream.rewriteForm(body, context)).toBe('item=42');
      // Header names in any case, as a framework may hand them over.
      const headers = { 'Content-Type': contentType, 'Content-Length': String(body.length) };
      expect(upstream.rewrite(headers, context)).toEqual({ 'content-type': contentType, ...CLAIMS });
    },
  );

  it('keeps the length of another body, which rewriteForm does not rewrite', async () => {
    const context = await fromAuthorization();
    for (const contentType of ['application/json', 'multipart/form-data; boundary=x', 'text/plain']) {
      const headers = { 'content-type': contentType, 'content-length': '17' };
      expect(forwarded().rewrite(headers, context)).toEqual({ ...headers, ...CLAIMS });
    }
    expect(forwarded().rewrite({ 'content-length': '17' }, context)).toEqual({
      'content-length': '17',
      ...CLAIMS,
    });
  });

  it('and of a form forwarded whole with forwardCredentials', async () => {
    const context = await fromAuthorization();
    const headers = { 'content-type': FORM, 'content-length': '17' };
    expect(upstreamHeaders({ claims: ['sub'], forwardCredentials: true }).rewrite(headers, context)).toEqual({
      ...headers,
      ...CLAIMS,
    });
  });
});

describe('work grows with the size of the headers, not its square', () => {
  /** Milliseconds one call takes in a round of calls lasting at least 10 ms. */
  function perCall(call: () => void): number {
    let calls = 0;
    let elapsed = 0;
    const started = performance.now();
    do {
      call();
      calls++;
      elapsed = performance.now() - started;
    } while (elapsed < 10);
    return elapsed / calls;
  }

  /**
   * How many times longer the large call takes than the small one: each one's fastest round, the rounds
   * taken in turn so that a busy machine or a garbage collection slows both alike.
   */
  function slowdown(small: () => void, large: () => void): number {
    let [fastestSmall, fastestLarge] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (let round = 0; round < 7; round++) {
      fastestSmall = Math.min(fastestSmall, perCall(small));
      fastestLarge = Math.min(fastestLarge, perCall(large));
    }
    return fastestLarge / fastestSmall;
  }

  // Each shape at 2 000 and 64 000 characters: linear work takes up to 32 times as long, quadratic 1 024
  // times. The bound sits four times above linear so that a loaded machine (CI shares its cores with
  // builds) cannot fail it, and still eight times below quadratic.
  const SHAPES: ReadonlyArray<readonly [string, (n: number) => Record<string, string>]> = [
    ['spaces inside a cookie pair', (n) => ({ cookie: `x${' '.repeat(n)}y=1; at=${TOKEN}` })],
    ['tabs around cookie pairs', (n) => ({ cookie: `${'a=1\t; '.repeat(n / 6)}at=${ENCODED}` })],
    ['spaces before a cookie', (n) => ({ cookie: `${' '.repeat(n)}at=${TOKEN}; b=2` })],
    ['nested escapes', (n) => ({ referer: `/?q=%${'25'.repeat(n / 2)}41&t=${ENCODED}` })],
    ['escapes', (n) => ({ 'x-original-uri': `/?${'a=%41&'.repeat(n / 6)}t=${ENCODED}` })],
    ['a content type', (n) => ({ 'content-type': `${' '.repeat(n)}x${' '.repeat(n)};` })],
  ];

  it.each(SHAPES)('%s', async (_, headersOf) => {
    const context = await fromAuthorization();
    const upstream = forwarded();
    const [small, large] = [headersOf(2_000), headersOf(64_000)];
    const ratio = slowdown(
      () => upstream.rewrite(small, context),
      () => upstream.rewrite(large, context),
    );
    expect(ratio).toBeLessThan(128);
  });
});
