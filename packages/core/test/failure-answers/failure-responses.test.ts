import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import {
  type AccessTokenResolver,
  type AuthResult,
  createResourceServer,
  FAILURES,
  type FailureCode,
  type FailureResponses,
  failureClassOf,
  jwtResolver,
  type Rejection,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectConfigError, ISSUER, mint, NOW_MS } from '../helpers.js';

/** The deepest a failure answer's body may be nested (documented in the README). */
const MAX_BODY_DEPTH = 32;

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

/** The rejection, with the status the application chose rather than core's. */
function expectRejected(result: AuthResult, code: FailureCode, status: number): Rejection {
  if (result.ok) throw new Error(`expected a rejection "${code}", got success`);
  expect(result.rejection.code).toBe(code);
  expect(result.rejection.status).toBe(status);
  return result.rejection;
}

function server(failureResponses: FailureResponses | undefined) {
  return createResourceServer({ resolver, clock: () => NOW_MS, realm: 'api', failureResponses });
}

/** Core's own answer to `request`, as a server without failure answers gives it. */
async function coreAnswer(request: RsRequest): Promise<Rejection> {
  const result = await server(undefined).authenticate(request);
  if (result.ok) throw new Error('expected a rejection, got success');
  return result.rejection;
}

const NO_TOKEN: RsRequest = { method: 'GET', url: 'https://api/x', headers: {} };

/** Where a misconfiguration found at request time is reported: console.error, watched here. */
let reported: MockInstance<typeof console.error>;
beforeEach(() => {
  reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  reported.mockRestore();
});

/** What was reported, as one string per report. */
function reports(): string[] {
  return reported.mock.calls.map((call) => call.map(String).join(' '));
}

describe('failure classes', () => {
  it('puts every failure code but the DPoP nonce request in a class', () => {
    const unclassed = (Object.keys(FAILURES) as FailureCode[]).filter(
      (code) => failureClassOf(code) === undefined,
    );
    expect(unclassed).toEqual(['dpop_nonce_required']);
    expect(failureClassOf('token_missing')).toBe('tokenMissing');
    expect(failureClassOf('signature_invalid')).toBe('invalidToken');
    expect(failureClassOf('dpop_proof_invalid')).toBe('invalidToken');
    expect(failureClassOf('claim_check_failed')).toBe('insufficientScope');
    expect(failureClassOf('keys_unavailable')).toBe('unavailable');
    expect(failureClassOf('insufficient_user_authentication')).toBe('insufficientUserAuthentication');
  });
});

describe('failure answers', () => {
  it('replaces status and body, keeps the challenge, code and error', async () => {
    const rs = server({ tokenMissing: { status: 418, body: 'no token here' } });
    const rejection = expectRejected(
      await rs.authenticate({ method: 'GET', url: 'https://api/x', headers: {} }),
      'token_missing',
      418,
    );
    expect(rejection.bodyText).toBe('no token here');
    expect(rejection.headers).toEqual({
      'www-authenticate': 'Bearer realm="api"',
      'cache-control': 'no-store',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(rejection.body).toEqual({
      error_description: 'No access token in the request',
      code: 'token_missing',
    });
  });

  it('prefers the code over its class, and lets a function decline', async () => {
    const seen: string[] = [];
    const rs = server({
      invalidToken: (rejection) => {
        seen.push(rejection.code);
        return rejection.code === 'token_malformed' ? undefined : { status: 410 };
      },
      byCode: { token_expired: { status: 419, headers: { 'X-Reason': 'expired' } } },
    });
    const expired = await mint(key, { iat: NOW_MS / 1000 - 1000, exp: NOW_MS / 1000 - 10 });
    const rejection = expectRejected(await rs.authenticate(bearerRequest(expired)), 'token_expired', 419);
    expect(rejection.headers['x-reason']).toBe('expired');
    expect(rejection.bodyText).toBeUndefined();
    expectRejected(await rs.authenticate(bearerRequest('garbage')), 'token_malformed', 401);
    const tampered = `${(await mint(key)).slice(0, -4)}AAAA`;
    expectRejected(await rs.authenticate(bearerRequest(tampered)), 'signature_invalid', 410);
    expect(seen).toEqual(['token_malformed', 'signature_invalid']);
  });

  it('sends an object body as JSON and may drop the challenge on a non-401', async () => {
    const rs = server({
      insufficientScope: { status: 404, body: { message: 'not found' }, challenge: false },
    });
    const token = await mint(key, { scope: 'read' });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token), { scopes: ['admin'] }),
      'insufficient_scope',
      404,
    );
    expect(rejection.bodyText).toBe('{"message":"not found"}');
    expect(rejection.headers['content-type']).toBe('application/json');
    expect(rejection.headers['www-authenticate']).toBeUndefined();
    expect(rejection.wwwAuthenticate).toBeUndefined();
  });

  it("answers with core's refusal when a computed answer breaks the rules, and reports the bug", async () => {
    const rs = server({ tokenMissing: () => ({ challenge: false }) });
    const result = await rs.authenticate(NO_TOKEN);
    expect(result).toEqual({ ok: false, rejection: await coreAnswer(NO_TOKEN) });
    expect(reports()).toEqual([
      expect.stringMatching(
        /failureResponses\.tokenMissing \(computed for token_missing\)\.status.*WWW-Authenticate/,
      ),
    ]);
  });
});

describe('failure answer configuration', () => {
  it.each([
    [{ tokenMising: { status: 418 } }, 'failureResponses.tokenMising'],
    [{ byCode: { no_such_code: { status: 418 } } }, 'failureResponses.byCode.no_such_code'],
    [{ invalidToken: { status: 200 } }, 'failureResponses.invalidToken.status'],
    [{ invalidToken: { status: 401, challenge: false } }, 'failureResponses.invalidToken.status'],
    [{ unavailable: { status: 401 } }, 'failureResponses.unavailable.status'],
    [{ invalidToken: { headers: { 'x-a': 'line\r\nbreak' } } }, 'failureResponses.invalidToken.headers.x-a'],
    [{ invalidToken: { headers: { 'x-a': 'trailing ' } } }, 'failureResponses.invalidToken.headers.x-a'],
    [
      { invalidToken: { headers: { 'WWW-Authenticate': 'Basic' } } },
      'failureResponses.invalidToken.headers.WWW-Authenticate',
    ],
    [{ invalidToken: { headers: { 'bad name': 'x' } } }, 'failureResponses.invalidToken.headers'],
    [{ invalidToken: { body: 42 } }, 'failureResponses.invalidToken.body'],
    [{ invalidToken: { stauts: 418 } }, 'failureResponses.invalidToken.stauts'],
  ])('refuses %j at start-up', (failureResponses, option) => {
    expectConfigError(() => server(failureResponses as FailureResponses), option);
  });
});

/** A body of `levels` objects, each the `a` of the one before. */
function nestedBody(levels: number): Record<string, unknown> {
  let body: Record<string, unknown> = { end: true };
  for (let level = 1; level < levels; level++) body = { a: body };
  return body;
}

describe('failure answer bodies, checked to be JSON when built', () => {
  const cycle: Record<string, unknown> = { message: 'loop' };
  cycle.self = cycle;
  const holey: unknown[] = ['a'];
  holey[2] = 'c';

  it.each([
    ['a BigInt', { n: 1n }, 'failureResponses.invalidToken.body.n'],
    [
      'a nested BigInt',
      { detail: { items: [{ n: 2n }] } },
      'failureResponses.invalidToken.body.detail.items[0].n',
    ],
    ['a function', { render: () => 'x' }, 'failureResponses.invalidToken.body.render'],
    ['a symbol', { tag: Symbol('x') }, 'failureResponses.invalidToken.body.tag'],
    ['an undefined member', { detail: undefined }, 'failureResponses.invalidToken.body.detail'],
    ['a hole in an array', { list: holey }, 'failureResponses.invalidToken.body.list[1]'],
    ['NaN', { retryAfter: Number.NaN }, 'failureResponses.invalidToken.body.retryAfter'],
    ['a Date', { at: new Date(0) }, 'failureResponses.invalidToken.body.at'],
    ['a Map', { byCode: new Map([['a', 1]]) }, 'failureResponses.invalidToken.body.byCode'],
    ['a cycle', cycle, 'failureResponses.invalidToken.body.self'],
  ])('refuses %s, which JSON.stringify throws on or writes otherwise', (_, body, option) => {
    expectConfigError(() => server({ invalidToken: { body } as never }), option);
  });

  it('refuses one under byCode too', () => {
    expectConfigError(
      () => server({ byCode: { token_expired: { body: { n: 1n } as never } } }),
      'failureResponses.byCode.token_expired.body.n',
    );
  });

  it('a computed body that JSON cannot carry is reported as a configuration error, not thrown', async () => {
    const rs = server({ invalidToken: () => ({ body: { n: 1n } as never }) });
    const result = await rs.authenticate(bearerRequest('a.b.c'));
    expect(result).toEqual({ ok: false, rejection: await coreAnswer(bearerRequest('a.b.c')) });
    expect(reports()).toEqual([
      expect.stringContaining('"failureResponses.invalidToken (computed for token_malformed).body.n"'),
    ]);
  });

  it.each([
    ['nested 5 000 levels deep', 5000],
    ['nested one level deeper than the limit', MAX_BODY_DEPTH + 1],
  ])('refuses a body %s, without overflowing the stack', (_, levels) => {
    const error = expectConfigError(
      () => server({ invalidToken: { body: nestedBody(levels) } }),
      `failureResponses.invalidToken.body${'.a'.repeat(MAX_BODY_DEPTH)}`,
    );
    expect(error.problem).toContain(`${MAX_BODY_DEPTH} levels`);
  });

  it(`sends a body nested ${MAX_BODY_DEPTH} levels deep, the limit`, async () => {
    const body = nestedBody(MAX_BODY_DEPTH);
    const rs = server({ invalidToken: { body } });
    const rejection = expectRejected(await rs.authenticate(bearerRequest('a.b.c')), 'token_malformed', 401);
    expect(JSON.parse(rejection.bodyText!)).toEqual(body);
  });

  it('refuses arrays nested too deep as well, naming the index', () => {
    let list: unknown[] = [];
    for (let level = 1; level < 100; level++) list = [list];
    expectConfigError(
      () => server({ invalidToken: { body: { list } } }),
      `failureResponses.invalidToken.body.list${'[0]'.repeat(MAX_BODY_DEPTH - 1)}`,
    );
  });

  it('refuses a body whose reading throws, as a configuration error', () => {
    const body = {
      get detail(): string {
        throw new Error('not today');
      },
    };
    const error = expectConfigError(
      () => server({ invalidToken: { body } }),
      'failureResponses.invalidToken.body',
    );
    expect(error.problem).toContain('threw');
  });

  it('sends the body it checked, whatever is changed in the option afterwards', async () => {
    const body: Record<string, unknown> = { message: 'checked' };
    const headers: Record<string, string> = { 'x-reason': 'checked' };
    const rs = server({ invalidToken: { body, headers } });
    body.message = 1n;
    headers['content-length'] = '0';
    const rejection = expectRejected(await rs.authenticate(bearerRequest('a.b.c')), 'token_malformed', 401);
    expect(rejection.bodyText).toBe('{"message":"checked"}');
    expect(rejection.headers['x-reason']).toBe('checked');
    expect(rejection.headers['content-length']).toBeUndefined();
  });

  it('sends a nested JSON body, a shared member and null as given', async () => {
    const shared = { code: 'E1' };
    const body = { errors: [shared, shared], detail: null, nested: { ok: false, count: 0, note: 'ünïcode' } };
    const rs = server({ invalidToken: { body } });
    const rejection = expectRejected(await rs.authenticate(bearerRequest('a.b.c')), 'token_malformed', 401);
    expect(JSON.parse(rejection.bodyText!)).toEqual(body);
  });
});

describe('headers the HTTP layer owns', () => {
  // Framing and connection management: a configured value would make the server send a message that
  // is not the one it frames (a hanging or truncated body, a chunked body with a length).
  const OWNED = [
    ['content-length', '100000'],
    ['Content-Length', '0'],
    ['transfer-encoding', 'chunked'],
    ['Connection', 'close'],
    ['keep-alive', 'timeout=5'],
    ['upgrade', 'websocket'],
    ['TE', 'trailers'],
    ['trailer', 'x-checksum'],
    ['proxy-connection', 'keep-alive'],
    ['host', 'api.example.com'],
  ] as const;

  it.each(OWNED)('refuses %s at start-up, naming it', (name, value) => {
    const error = expectConfigError(
      () => server({ invalidToken: { headers: { [name]: value } } }),
      `failureResponses.invalidToken.headers.${name}`,
    );
    expect(error.problem).toContain('HTTP');
  });

  it('refuses one under byCode too', () => {
    expectConfigError(
      () => server({ byCode: { token_expired: { headers: { 'Transfer-Encoding': 'chunked' } } } }),
      'failureResponses.byCode.token_expired.headers.Transfer-Encoding',
    );
  });

  it.each(OWNED)(
    "answers with core's refusal when a computed answer sets %s, and reports it",
    async (name, value) => {
      const rs = server({ invalidToken: () => ({ status: 418, headers: { [name]: value } }) });
      const result = await rs.authenticate(bearerRequest('a.b.c'));
      expect(result).toEqual({ ok: false, rejection: await coreAnswer(bearerRequest('a.b.c')) });
      expect(reports()).toEqual([
        expect.stringContaining(
          `"failureResponses.invalidToken (computed for token_malformed).headers.${name}"`,
        ),
      ]);
    },
  );
});

describe('asynchronous failure answers', () => {
  it.each([
    ['an async function', { invalidToken: async () => ({ status: 418 }) }, 'failureResponses.invalidToken'],
    [
      'an async generator function',
      {
        async *invalidToken() {
          yield { status: 418 };
        },
      },
      'failureResponses.invalidToken',
    ],
    [
      'an async function under byCode',
      { byCode: { token_expired: async () => undefined } },
      'failureResponses.byCode.token_expired',
    ],
  ])('refuses %s at start-up', (_, failureResponses, option) => {
    const error = expectConfigError(() => server(failureResponses as FailureResponses), option);
    expect(error.problem).toContain('synchronous');
  });

  it("answers with core's refusal when a computed answer returns a promise, and reports it", async () => {
    // Not declared async, so not refused at start-up: a function that returns a promise all the same.
    const later = (): Promise<{ status: number }> => Promise.resolve({ status: 418 });
    const rs = server({ invalidToken: later as never });
    const result = await rs.authenticate(bearerRequest('garbage'));
    expect(result).toEqual({ ok: false, rejection: await coreAnswer(bearerRequest('garbage')) });
    expect(reports()).toEqual([
      expect.stringMatching(/failureResponses\.invalidToken \(computed for token_malformed\).*promise/),
    ]);
  });

  it('handles the rejection of a promise returned as an answer: it does not go unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const rs = server({ invalidToken: (() => Promise.reject(new Error('no answer'))) as never });
      expectRejected(await rs.authenticate(bearerRequest('garbage')), 'token_malformed', 401);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it("answers with core's refusal when a computed answer throws, and reports it without its message", async () => {
    const rs = server({
      byCode: {
        token_missing: () => {
          throw new TypeError('secret detail');
        },
      },
    });
    const result = await rs.authenticate(NO_TOKEN);
    expect(result).toEqual({ ok: false, rejection: await coreAnswer(NO_TOKEN) });
    expect(reports()).toEqual([
      expect.stringMatching(
        /failureResponses\.byCode\.token_missing \(computed for token_missing\).*TypeError/,
      ),
    ]);
    expect(reports().join()).not.toContain('secret detail');
  });

  it('reports a failing computed answer at most once a minute, and answers every request', async () => {
    const rs = server({ tokenMissing: () => ({ challenge: false }) });
    for (let count = 0; count < 3; count++)
      expectRejected(await rs.authenticate(NO_TOKEN), 'token_missing', 401);
    expect(reported).toHaveBeenCalledTimes(1);
  });
});
