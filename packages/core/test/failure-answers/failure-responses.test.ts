import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
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
  RsConfigError,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectConfigError, ISSUER, mint, NOW_MS } from '../helpers.js';

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

function server(failureResponses: FailureResponses) {
  return createResourceServer({ resolver, clock: () => NOW_MS, realm: 'api', failureResponses });
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

  it('refuses a computed answer that breaks the rules, as a bug', async () => {
    const rs = server({ tokenMissing: () => ({ challenge: false }) });
    await expect(rs.authenticate({ method: 'GET', url: 'https://api/x', headers: {} })).rejects.toThrow(
      /WWW-Authenticate/,
    );
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

  it('a computed body that JSON cannot carry is a configuration error, not a TypeError', async () => {
    const rs = server({ invalidToken: () => ({ body: { n: 1n } as never }) });
    await expect(rs.authenticate(bearerRequest('a.b.c'))).rejects.toThrow(RsConfigError);
  });

  it('sends a nested JSON body, a shared member and null as given', async () => {
    const shared = { code: 'E1' };
    const body = { errors: [shared, shared], detail: null, nested: { ok: false, count: 0, note: 'ünïcode' } };
    const rs = server({ invalidToken: { body } });
    const rejection = expectRejected(await rs.authenticate(bearerRequest('a.b.c')), 'token_malformed', 401);
    expect(JSON.parse(rejection.bodyText!)).toEqual(body);
  });
});
