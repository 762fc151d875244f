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
