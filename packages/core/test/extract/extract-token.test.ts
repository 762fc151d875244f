import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractToken } from '../../src/extract/extract-token.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import {
  API_URL,
  AUDIENCE,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let token: string;

const FORM = 'application/x-www-form-urlencoded';

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key);
});

function server(options: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({ resolver, clock: () => NOW_MS, ...options });
}

function get(headers: RsRequest['headers'], overrides: Partial<RsRequest> = {}): RsRequest {
  return { method: 'GET', url: API_URL, headers, ...overrides };
}

const INVALID_REQUEST = (description: string) =>
  `Bearer error="invalid_request", error_description="${description}"`;
const NOT_B64TOKEN = INVALID_REQUEST('The Bearer credentials are not a valid b64token');
const MULTIPLE = INVALID_REQUEST('The request used more than one method to send the access token');

describe('Authorization header (RFC 6750 §2.1)', () => {
  it('accepts Bearer credentials, with no extra response headers', async () => {
    const result = await server().authenticate(get({ authorization: `Bearer ${token}` }));
    const context = expectAccepted(result);
    expect(context.location).toBe('authorization-header');
    expect(context.scheme).toBe('Bearer');
    expect(result.ok && result.headers).toEqual({});
  });

  it.each(['bearer', 'BEARER', 'bEaReR'])('compares the scheme case-insensitively: %s', async (scheme) => {
    expectAccepted(await server().authenticate(get({ authorization: `${scheme} ${token}` })));
  });

  it('accepts several spaces between scheme and token, and a single-element header array', async () => {
    expectAccepted(await server().authenticate(get({ authorization: `Bearer   ${token}` })));
    expectAccepted(await server().authenticate(get({ authorization: [`Bearer ${token}`] })));
  });

  it.each([
    ['a character outside b64token', `${token}!`],
    ['a space inside', 'abc def'],
    ['padding in the middle', 'ab=c'],
    ['padding first', '==abc'],
    ['a quote', '"abc"'],
    ['a trailing newline', `${token}\n`],
    ['a tab', `\t${token}`],
    ['non-ASCII', 'tökén'],
    ['nothing', ''],
  ])('refuses credentials with %s: 400 invalid_request', async (_name, credentials) => {
    const rejection = expectRejected(
      await server().authenticate(get({ authorization: `Bearer ${credentials}` })),
      'malformed_authorization',
      400,
    );
    expect(rejection.wwwAuthenticate).toBe(NOT_B64TOKEN);
  });

  it('refuses the bare scheme without credentials', async () => {
    expectRejected(
      await server().authenticate(get({ authorization: 'Bearer' })),
      'malformed_authorization',
      400,
    );
  });

  it('takes padding at the end as part of the token (then refused by the resolver)', async () => {
    expectRejected(
      await server().authenticate(get({ authorization: 'Bearer abc==' })),
      'token_malformed',
      401,
    );
  });

  it('says two Authorization headers when Fetch or API Gateway joined them with a comma', async () => {
    for (const joined of [
      `Bearer ${token}, Bearer ${token}`,
      `Bearer ${token}, Basic dXNlcjpwYXNz`,
      `Basic dXNlcjpwYXNz, Bearer ${token}`,
      `Basic dXNlcjpwYXNz,bearer ${token}`,
    ]) {
      const rejection = expectRejected(
        await server().authenticate(get({ authorization: joined })),
        'malformed_authorization',
        400,
      );
      expect(rejection.description).toBe('More than one Authorization header');
      // Not anonymous on an optional route either, as with two fields.
      const optional = await server().authenticateOptional(get({ authorization: joined }));
      expect(optional.ok).toBe(false);
    }
    // Another scheme's parameters may hold commas: no Bearer after one, no refusal of ours.
    expect(
      (await server().authenticateOptional(get({ authorization: 'Digest username="a", realm="b"' }))).ok,
    ).toBe(true);
  });

  // Authorization is not a list (RFC 9110 §11.6.2): two fields are malformed whatever their schemes, and
  // a Node adapter, which sees them apart, says so. Joined by Fetch (", ") or API Gateway's HTTP API
  // (","), they must be answered alike, on an optional route too (never as anonymous).
  it.each([
    ['two Basic', ['Basic YTpi', 'Basic YTpj']],
    ['an empty one and Basic', ['', 'Basic YTpi']],
    ['Digest and Negotiate', ['Digest username="a", realm="b, Inc c", nonce="d"', 'Negotiate YIIB']],
    ["Digest and Basic, with spaces around a parameter's =", ['Digest realm = "b", nonce="c"', 'Basic YTpi']],
    ['a scheme alone last', ['Basic YTpi', 'Negotiate']],
    ['a quoted-string never closed, then Basic', ['Digest realm="a', 'Basic YTpi']],
  ])(
    'refuses two Authorization fields of other schemes (%s) with 400, apart or joined',
    async (_, fields) => {
      for (const authorization of [fields, fields.join(', '), fields.join(',')]) {
        const rejection = expectRejected(
          await server().authenticate(get({ authorization })),
          'malformed_authorization',
          400,
        );
        expect(rejection.wwwAuthenticate).toBe(INVALID_REQUEST('More than one Authorization header'));
        const optional = await server().authenticateOptional(get({ authorization }));
        expect(optional.ok, JSON.stringify(authorization)).toBe(false);
      }
    },
  );

  // An empty field beside another hides no credentials: apart it is two fields (400); joined, it is an
  // empty list element (RFC 9110 §5.6.1.2), which a recipient must accept, and no token at all.
  it.each([
    ['two empty', ['', '']],
    ['three empty', ['', '', '']],
    ['Basic and an empty one', ['Basic YTpi', '']],
    ['Digest and an empty one', ['Digest username="a", realm="b"', '']],
  ])('refuses %s apart, and reads them joined as one field of no token', async (_, fields) => {
    expectRejected(
      await server().authenticate(get({ authorization: fields })),
      'malformed_authorization',
      400,
    );
    for (const authorization of [fields.join(', '), fields.join(',')]) {
      expectRejected(await server().authenticate(get({ authorization })), 'token_missing', 401);
      const optional = await server().authenticateOptional(get({ authorization }));
      expect(optional.ok && optional.context, JSON.stringify(authorization)).toBeUndefined();
    }
  });

  it.each([
    'Digest username="a", realm="b", nonce="c"',
    'Digest username="a",realm="b, Basic c",  nonce = "d", qop=auth, nc=00000001',
    'Digest realm="a\\", Basic b", nonce="c"',
    // Empty list elements among the auth-params (RFC 9110 §5.6.1.2: recipients must accept them).
    'Digest username="a", realm="r",',
    'Digest username="a", , realm="r"',
    'Digest username="a", realm="r", ',
    'Digest username="a",,realm="r"',
    'Digest ,username="a", realm="r"',
    'Digest username="a",\t,\trealm="r"',
    'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
    'Basic YTpi',
  ])(
    'keeps one credential of another scheme whose parameters hold commas one field: %j',
    async (authorization) => {
      const result = await server().authenticateOptional(get({ authorization }));
      expect(result.ok && result.context).toBeUndefined();
      expectRejected(await server().authenticate(get({ authorization })), 'token_missing', 401);
    },
  );

  it('answers DPoP and Bearer Authorization fields in the same challenge, apart or joined', async () => {
    const rs = server({ dpop: true, realm: 'api' });
    const fields = [`DPoP ${token}`, `Bearer ${token}`];
    const answers = [];
    for (const authorization of [fields, fields.join(', '), fields.join(',')]) {
      answers.push(
        expectRejected(await rs.authenticate(get({ authorization })), 'malformed_authorization', 400),
      );
    }
    for (const rejection of answers) {
      expect(rejection.challenges).toEqual(answers[0]!.challenges);
      expect(rejection.challenges[1]).toContain('error="invalid_request"');
      expect(rejection.challenges[0]).not.toContain('error=');
    }
  });

  it('refuses two Authorization headers with 400 invalid_request', async () => {
    const rejection = expectRejected(
      await server().authenticate(get({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })),
      'malformed_authorization',
      400,
    );
    expect(rejection.wwwAuthenticate).toBe(INVALID_REQUEST('More than one Authorization header'));
    expectRejected(
      await server().authenticate(get({ authorization: ['Basic dXNlcjpwYXNz', `Bearer ${token}`] })),
      'malformed_authorization',
      400,
    );
  });

  it.each([
    'Basic dXNlcjpwYXNz',
    'Digest username="x"',
    'DPoP abc',
    'Bearertoken',
    'Token abc',
    '',
    // Look-alikes of the scheme: one character off by case folding's bit, non-ASCII, too short or long.
    'Be@rer abc',
    'Bea\u0152er abc',
    'B\u0435arer abc',
    'Beare abc',
    'Bearers abc',
  ])('treats %j as no bearer token: 401 token_missing with a bare challenge', async (authorization) => {
    const rejection = expectRejected(
      await server().authenticate(get({ authorization })),
      'token_missing',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe('Bearer');
    expect(rejection.body).toEqual({
      error_description: 'No access token in the request',
      code: 'token_missing',
    });
    expect(rejection.error).toBeUndefined();
  });

  it('answers a request without credentials with 401 and a bare challenge', async () => {
    const rejection = expectRejected(
      await server({ realm: 'api' }).authenticate(get({})),
      'token_missing',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe('Bearer realm="api"');
    expectRejected(await server().authenticate(get({ authorization: [] })), 'token_missing', 401);
  });

  it('ignores the Authorization header when it is turned off', async () => {
    const rs = server({ tokenLocations: { authorizationHeader: false, query: true } });
    expectRejected(await rs.authenticate(get({ authorization: `Bearer ${token}` })), 'token_missing', 401);
  });
});

describe('query parameter (RFC 6750 §2.3)', () => {
  it('is off by default', async () => {
    expectRejected(
      await server().authenticate(get({}, { url: `${API_URL}?access_token=${token}` })),
      'token_missing',
      401,
    );
  });

  it('is accepted when enabled, and the answer must be Cache-Control: private', async () => {
    const result = await server({ tokenLocations: { query: true } }).authenticate(
      get({}, { url: `${API_URL}?a=1&access_token=${token}#frag` }),
    );
    expect(expectAccepted(result).location).toBe('query');
    expect(result.ok && result.headers).toEqual({ 'cache-control': 'private' });
  });

  it('decodes a percent-encoded token', async () => {
    const b64 = 'abc+/def==';
    const extracted = extractToken(get({}, { url: `${API_URL}?access_token=${encodeURIComponent(b64)}` }), {
      authorizationHeader: true,
      formBody: false,
      query: true,
      header: undefined,
    });
    expect(extracted).toEqual({
      ok: true,
      value: { token: b64, location: 'query', scheme: 'Bearer', jwsAlphabet: false },
    });
  });

  it('tells whether the token is spelled in the compact JWS alphabet, from the same scan', () => {
    const locations = { authorizationHeader: true, formBody: false, query: false, header: undefined };
    const spelledAs = (token: string) => {
      const extracted = extractToken(get({ authorization: `Bearer  ${token}` }), locations);
      return extracted.ok ? extracted.value.jwsAlphabet : extracted.failure.code;
    };
    expect(spelledAs('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(spelledAs('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.')).toBe(true);
    expect(spelledAs('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0+.c2ln')).toBe(false);
    expect(spelledAs('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln==')).toBe(false);
    expect(spelledAs('opaque-token~1')).toBe(false);
    expect(spelledAs('a.b c')).toBe('malformed_authorization');
  });

  it('refuses two access_token parameters and an invalid one with 400', async () => {
    const rs = server({ tokenLocations: { query: true } });
    expectRejected(
      await rs.authenticate(get({}, { url: `${API_URL}?access_token=${token}&access_token=${token}` })),
      'multiple_token_methods',
      400,
    );
    expectRejected(
      await rs.authenticate(get({}, { url: `${API_URL}?access_token=a%20b` })),
      'malformed_authorization',
      400,
    );
    expectRejected(
      await rs.authenticate(get({}, { url: `${API_URL}?access_token=` })),
      'malformed_authorization',
      400,
    );
  });

  it('refuses header and query together with 400 multiple_token_methods', async () => {
    const rejection = expectRejected(
      await server({ tokenLocations: { query: true } }).authenticate(
        get({ authorization: `Bearer ${token}` }, { url: `${API_URL}?access_token=${token}` }),
      ),
      'multiple_token_methods',
      400,
    );
    expect(rejection.wwwAuthenticate).toBe(MULTIPLE);
  });

  it('does not mistake a similar parameter name for the token', async () => {
    const rs = server({ tokenLocations: { query: true } });
    expectRejected(
      await rs.authenticate(get({}, { url: `${API_URL}?my_access_token=${token}` })),
      'token_missing',
      401,
    );
    expectRejected(
      await rs.authenticate(get({}, { url: `${API_URL}#access_token=${token}` })),
      'token_missing',
      401,
    );
  });
});

describe('form body (RFC 6750 §2.2)', () => {
  const post = (
    form: Record<string, unknown>,
    contentType: string | null = FORM,
    extra: Partial<RsRequest> = {},
  ) => get(contentType === null ? {} : { 'content-type': contentType }, { method: 'POST', form, ...extra });

  it('is off by default', async () => {
    expectRejected(await server().authenticate(post({ access_token: token })), 'token_missing', 401);
  });

  it('is accepted on POST with the form content type, with or without parameters', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    for (const contentType of [FORM, `${FORM}; charset=utf-8`, 'Application/X-WWW-Form-Urlencoded']) {
      const result = await rs.authenticate(post({ access_token: token }, contentType));
      expect(expectAccepted(result).location).toBe('form-body');
      expect(result.ok && result.headers).toEqual({});
    }
  });

  it('is read on POST, PUT and PATCH only (RFC 6750 §2.2), and for no other content type', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    for (const method of ['PUT', 'PATCH']) {
      const result = await rs.authenticate(post({ access_token: token }, FORM, { method }));
      expect(result.ok, method).toBe(true);
    }
    // Methods whose content has no defined meaning (RFC 9110 §9.3), one this list does not know, and a
    // method name in another case (method names are case-sensitive).
    for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'post']) {
      expectRejected(
        await rs.authenticate(post({ access_token: token }, FORM, { method })),
        'token_missing',
        401,
      );
    }
    for (const contentType of ['application/json', 'multipart/form-data; boundary=x', `${FORM}x`, null]) {
      expectRejected(await rs.authenticate(post({ access_token: token }, contentType)), 'token_missing', 401);
    }
  });

  it('refuses an access_token array with 400, and an invalid one with 400', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    expectRejected(
      await rs.authenticate(post({ access_token: [token, token] })),
      'multiple_token_methods',
      400,
    );
    expectRejected(await rs.authenticate(post({ access_token: 'a b' })), 'malformed_authorization', 400);
  });

  it('refuses header and form together with 400 multiple_token_methods', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    const request = get(
      { authorization: `Bearer ${token}`, 'content-type': FORM },
      { method: 'POST', form: { access_token: token } },
    );
    expectRejected(await rs.authenticate(request), 'multiple_token_methods', 400);
  });

  // An adapter that reads bodies itself could not examine this one (over maxFormBodyBytes, or it failed to
  // arrive): a token in it can be neither found nor ruled out, so the request is not decided without it.
  it.each([
    ['too-large', 'The form body is too large to look for an access token in'],
    ['unreadable', 'The form body could not be read to look for an access token in'],
  ] as const)(
    'refuses a form body the adapter could not examine (%s) with 400, never as token-less',
    async (formUnexamined, description) => {
      const rs = server({ tokenLocations: { formBody: true } });
      const unexamined = (headers: RsRequest['headers']) =>
        get({ 'content-type': FORM, ...headers }, { method: 'POST', formUnexamined });
      for (const request of [unexamined({ authorization: `Bearer ${token}` }), unexamined({})]) {
        const rejection = expectRejected(await rs.authenticate(request), 'malformed_authorization', 400);
        expect(rejection.wwwAuthenticate).toBe(INVALID_REQUEST(description));
        // Not anonymous on an optional route either.
        const optional = await rs.authenticateOptional(request);
        expect(optional.ok).toBe(false);
      }
    },
  );

  it('pays no heed to an unexamined body core would not have looked at', async () => {
    const header = { authorization: `Bearer ${token}` };
    const formTokens = server({ tokenLocations: { formBody: true } });
    for (const [rs, request] of [
      [server(), get({ ...header, 'content-type': FORM }, { method: 'POST', formUnexamined: 'too-large' })],
      [
        formTokens,
        get(
          { ...header, 'content-type': 'application/json' },
          { method: 'POST', formUnexamined: 'too-large' },
        ),
      ],
      [
        formTokens,
        get({ ...header, 'content-type': FORM }, { method: 'DELETE', formUnexamined: 'unreadable' }),
      ],
    ] as const) {
      expectAccepted(await rs.authenticate(request));
    }
  });

  // A content-coded form body (gzip, …) is read as text by some adapters, where a token compressed inside
  // stays unseen, and inflated by others: every adapter refuses it alike, never decided without it.
  it.each<RsRequest['headers'][string]>([
    'gzip',
    'deflate',
    'br',
    'zstd',
    'x-unknown',
    'GZIP',
    'identity, gzip',
    'gzip, identity',
    ['identity', 'gzip'],
  ])('refuses a form body with Content-Encoding %j with 400, never as token-less', async (encoding) => {
    const rs = server({ tokenLocations: { formBody: true } });
    const coded = (headers: RsRequest['headers'], form: Record<string, unknown>) =>
      get({ 'content-type': FORM, 'content-encoding': encoding, ...headers }, { method: 'POST', form });
    for (const request of [
      coded({ authorization: `Bearer ${token}` }, { note: 'x' }),
      coded({}, { access_token: token }),
      coded({}, {}),
    ]) {
      const rejection = expectRejected(await rs.authenticate(request), 'malformed_authorization', 400);
      expect(rejection.wwwAuthenticate).toBe(
        INVALID_REQUEST('A form body with a Content-Encoding is not read to look for an access token in'),
      );
      const optional = await rs.authenticateOptional(request);
      expect(optional.ok).toBe(false);
    }
  });

  it('reads a form body whose Content-Encoding names no coding but identity', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    for (const encoding of ['identity', 'Identity', ' identity ', '', 'identity, ', ['identity', '']]) {
      const request = get(
        { 'content-type': FORM, 'content-encoding': encoding },
        { method: 'POST', form: { access_token: token } },
      );
      expect(expectAccepted(await rs.authenticate(request)).location, JSON.stringify(encoding)).toBe(
        'form-body',
      );
    }
  });

  it('pays no heed to the Content-Encoding of a body core would not have looked at', async () => {
    const header = { authorization: `Bearer ${token}`, 'content-encoding': 'gzip' };
    for (const [rs, request] of [
      [server(), get({ ...header, 'content-type': FORM }, { method: 'POST' })],
      [
        server({ tokenLocations: { formBody: true } }),
        get({ ...header, 'content-type': 'application/json' }, { method: 'POST' }),
      ],
      [
        server({ tokenLocations: { formBody: true } }),
        get({ ...header, 'content-type': FORM }, { method: 'DELETE' }),
      ],
    ] as const) {
      expectAccepted(await rs.authenticate(request));
    }
  });

  it('refuses form and query together with 400 multiple_token_methods', async () => {
    const rs = server({ tokenLocations: { formBody: true, query: true } });
    expectRejected(
      await rs.authenticate(post({ access_token: token }, FORM, { url: `${API_URL}?access_token=${token}` })),
      'multiple_token_methods',
      400,
    );
  });
});

describe('custom header', () => {
  it('takes the bare token from the configured header (name case-insensitive)', async () => {
    const rs = server({ tokenLocations: { header: 'X-Access-Token' } });
    expect(expectAccepted(await rs.authenticate(get({ 'x-access-token': token }))).location).toBe(
      'custom-header',
    );
  });

  it('refuses an invalid value, two values, and header plus Authorization', async () => {
    const rs = server({ tokenLocations: { header: 'x-access-token' } });
    const invalid = expectRejected(
      await rs.authenticate(get({ 'x-access-token': `Bearer ${token}` })),
      'malformed_authorization',
      400,
    );
    expect(invalid.wwwAuthenticate).toBe(
      INVALID_REQUEST('The x-access-token header is not a valid b64token'),
    );
    expectRejected(
      await rs.authenticate(get({ 'x-access-token': [token, token] })),
      'multiple_token_methods',
      400,
    );
    expectRejected(
      await rs.authenticate(get({ 'x-access-token': token, authorization: `Bearer ${token}` })),
      'multiple_token_methods',
      400,
    );
  });

  it('can be the only location', async () => {
    const rs = server({ tokenLocations: { authorizationHeader: false, header: 'x-access-token' } });
    expectAccepted(await rs.authenticate(get({ 'x-access-token': token })));
    expectRejected(await rs.authenticate(get({ authorization: `Bearer ${token}` })), 'token_missing', 401);
  });
});

describe('requireHttps', () => {
  it('refuses plain http by default with 400 https_required', async () => {
    const rejection = expectRejected(
      await server().authenticate(
        get({ authorization: `Bearer ${token}` }, { url: 'http://api.example.com/resource' }),
      ),
      'https_required',
      400,
    );
    expect(rejection.wwwAuthenticate).toBe(INVALID_REQUEST('This resource requires HTTPS'));
    // Also without credentials.
    expectRejected(
      await server().authenticate(get({}, { url: 'http://api.example.com/' })),
      'https_required',
      400,
    );
  });

  it('accepts plain http to loopback hosts by default (local development), with one warning', async () => {
    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on('warning', listen);
    try {
      for (const url of ['http://localhost:3000/r', 'http://127.0.0.1:8080/r', 'http://[::1]:3000/r']) {
        expectAccepted(await server().authenticate(get({ authorization: `Bearer ${token}` }, { url })));
      }
      // Not a loopback host, whatever its name suggests.
      for (const url of ['http://localhost.example.com/r', 'http://128.0.0.1/r', 'http://10.0.0.1/r']) {
        expectRejected(
          await server().authenticate(get({ authorization: `Bearer ${token}` }, { url })),
          'https_required',
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    const ours = warnings.filter(
      (warning) => (warning as { code?: string }).code === 'RS_LOOPBACK_HTTP_REQUEST',
    );
    // One per process: an earlier test file in this worker may have used it up already.
    expect(ours.length).toBeLessThanOrEqual(1);
    for (const warning of ours) expect(warning.message).not.toContain(token);
  });

  it('refuses plain http to a loopback name when the adapter says the connection was not loopback', async () => {
    // The URL's host may be the client's Host header: the connection's address is the server's own word.
    for (const url of ['http://localhost:3000/r', 'http://127.0.0.1:8080/r', 'http://[::1]:3000/r']) {
      const remote = { ...get({ authorization: `Bearer ${token}` }, { url }), loopbackConnection: false };
      expectRejected(await server().authenticate(remote), 'https_required', 400);
      const local = { ...get({ authorization: `Bearer ${token}` }, { url }), loopbackConnection: true };
      expectAccepted(await server().authenticate(local));
    }
    // A loopback connection does not make another host local development.
    const proxied = {
      ...get({ authorization: `Bearer ${token}` }, { url: 'http://api.example.com/r' }),
      loopbackConnection: true,
    };
    expectRejected(await server().authenticate(proxied), 'https_required', 400);
  });

  it('accepts plain http when turned off', async () => {
    const rs = server({ requireHttps: false });
    expectAccepted(
      await rs.authenticate(get({ authorization: `Bearer ${token}` }, { url: 'http://localhost:3000/r' })),
    );
  });
});

describe('hardening', () => {
  it('reports a non-string form access_token as malformed, not as a second method', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    const request = get({ 'content-type': FORM }, { method: 'POST', form: { access_token: 42 } });
    const rejection = expectRejected(await rs.authenticate(request), 'malformed_authorization', 400);
    expect(rejection.description).toBe('The access_token parameter is not a string');
  });

  it('compares the https scheme case-insensitively', async () => {
    const request = get({ authorization: `Bearer ${token}` }, { url: 'HTTPS://api.example.com/resource' });
    expectAccepted(await server().authenticate(request));
  });

  it('ignores inherited header names', async () => {
    const rs = server({ tokenLocations: { header: 'constructor' } });
    expectRejected(await rs.authenticate(get({})), 'token_missing', 401);
  });

  it('refuses a header location that is not a string at build time', () => {
    expectConfigError(
      () => server({ tokenLocations: { header: 42 as unknown as string } }),
      'tokenLocations.header',
    );
  });

  it('exposes the resolved token locations for adapters', () => {
    expect(server({ tokenLocations: { formBody: true, header: 'X-Api-Token' } }).tokenLocations).toEqual({
      authorizationHeader: true,
      formBody: true,
      query: false,
      header: 'x-api-token',
    });
  });
});

describe('a custom query parameter (NGINX tokenQueryParam)', () => {
  const rs = (queryParameter: string) =>
    createResourceServer({
      resolver: {
        resolve: async () => ({ ok: false, failure: { code: 'token_inactive', description: 'x' } }),
      },
      tokenLocations: { authorizationHeader: true, query: true, queryParameter },
    });

  it('takes the token from that parameter only', async () => {
    const server = rs('queryAuthz');
    const request = (query: string) => ({
      method: 'GET',
      url: `https://api.example.com/x?${query}`,
      headers: {},
    });
    expectRejected(await server.authenticate(request('queryAuthz=abc')), 'token_inactive');
    expectRejected(await server.authenticate(request('access_token=abc')), 'token_missing');
    expectRejected(await server.authenticate(request('query%41uthz=abc')), 'token_inactive');
    expectRejected(await server.authenticate(request('queryAuthz=a&queryAuthz=b')), 'multiple_token_methods');
  });

  it('is refused without query: true, or when it needs encoding', () => {
    expectConfigError(
      () =>
        createResourceServer({
          resolver: {
            resolve: async () => ({ ok: false, failure: { code: 'token_inactive', description: 'x' } }),
          },
          tokenLocations: { queryParameter: 'key' },
        }),
      'tokenLocations.queryParameter',
    );
    expectConfigError(() => rs('a b'), 'tokenLocations.queryParameter');
  });
});
