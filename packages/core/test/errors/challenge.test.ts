import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChallenge, buildRejection } from '../../src/adapter/index.js';
import { isQuotableChallengeValue } from '../../src/errors/challenge.js';
import {
  createResourceServer,
  FAILURES,
  type FailureCode,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

let key: TestSigningKey;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

describe('buildChallenge', () => {
  it('is the bare scheme without parameters', () => {
    expect(buildChallenge('Bearer', {})).toBe('Bearer');
    expect(buildChallenge('DPoP', {})).toBe('DPoP');
  });

  it('quotes every parameter, in a fixed order', () => {
    expect(
      buildChallenge('Bearer', {
        scope: ['read', 'write'],
        errorUri: 'https://docs.example.com/e',
        errorDescription: 'The access token expired',
        error: 'invalid_token',
        realm: 'example',
      }),
    ).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The access token expired", ' +
        'error_uri="https://docs.example.com/e", scope="read write"',
    );
    expect(buildChallenge('Bearer', { realm: 'api' })).toBe('Bearer realm="api"');
    expect(buildChallenge('Bearer', { error: 'insufficient_scope', scope: [] })).toBe(
      'Bearer error="insufficient_scope"',
    );
  });

  it('drops quotes, backslashes, control and non-ASCII characters instead of escaping them', () => {
    const challenge = buildChallenge('Bearer', {
      error: 'invalid_request',
      errorDescription: 'a "quoted" \\back\\slash\r\n\ttäb ✓ end\u0000',
    });
    expect(challenge).toBe('Bearer error="invalid_request", error_description="a quoted backslashtb  end"');
    // The result holds exactly the quotes that delimit the values.
    expect(challenge.match(/"/g)).toHaveLength(4);
  });

  it('drops the same characters from realm, error_uri and scope', () => {
    expect(buildChallenge('Bearer', { realm: 'a"b', errorUri: 'x\\y', scope: ['é', 'r"'] })).toBe(
      'Bearer realm="ab", error_uri="xy", scope=" r"',
    );
  });
});

describe('isQuotableChallengeValue', () => {
  it('accepts printable ASCII but " and \\, and is stable across calls', () => {
    expect(isQuotableChallengeValue('api realm !#$%&()*+,-./:;<=>?@[]^_`{|}~')).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(isQuotableChallengeValue('a"b')).toBe(false);
      expect(isQuotableChallengeValue('ok')).toBe(true);
      expect(isQuotableChallengeValue('a\\b')).toBe(false);
      expect(isQuotableChallengeValue('é')).toBe(false);
      expect(isQuotableChallengeValue('tab\there')).toBe(false);
    }
  });
});

describe('buildRejection', () => {
  it('gives token_missing a bare challenge (realm only) and a body without error', () => {
    const rejection = buildRejection(
      { code: 'token_missing', description: 'No access token in the request' },
      { realm: 'api', errorUri: 'https://docs.example.com/e' },
    );
    expect(rejection.status).toBe(401);
    expect(rejection.error).toBeUndefined();
    expect(rejection.wwwAuthenticate).toBe('Bearer realm="api"');
    expect(rejection.body).toEqual({
      error_description: 'No access token in the request',
      code: 'token_missing',
    });
    expect('error' in rejection.body).toBe(false);
    expect(rejection.headers).toEqual({
      'www-authenticate': 'Bearer realm="api"',
      'cache-control': 'no-store',
      'content-type': 'application/json',
    });
  });

  it('adds error, description and error_uri for every other code, with the status from the table', () => {
    for (const code of Object.keys(FAILURES) as FailureCode[]) {
      // Proof errors go into a DPoP challenge: dpop-challenge.test.ts covers them.
      const oauthError: string | undefined = FAILURES[code].error;
      if (
        oauthError === undefined ||
        oauthError === 'invalid_dpop_proof' ||
        oauthError === 'use_dpop_nonce'
      ) {
        continue;
      }
      const rejection = buildRejection(
        { code, description: 'Why' },
        { realm: 'api', errorUri: 'https://e.example/x' },
      );
      const { status, error } = FAILURES[code];
      expect(rejection.status, code).toBe(status);
      expect(rejection.error, code).toBe(error);
      expect(rejection.wwwAuthenticate, code).toBe(
        `Bearer realm="api", error="${error}", error_description="Why", error_uri="https://e.example/x"`,
      );
      expect(rejection.body, code).toEqual({ error, error_description: 'Why', code });
    }
  });

  it('sends no challenge with a 5xx (nothing the client can fix)', () => {
    const unavailable = (Object.keys(FAILURES) as FailureCode[]).filter(
      (code) => FAILURES[code].status >= 500,
    );
    for (const code of unavailable) {
      const rejection = buildRejection({ code, description: 'Down' }, { realm: 'api' });
      expect(rejection.wwwAuthenticate, code).toBeUndefined();
      expect(rejection.headers, code).toEqual({
        'cache-control': 'no-store',
        'content-type': 'application/json',
      });
    }
  });

  it('maps each family to its status', () => {
    expect(FAILURES.malformed_authorization).toEqual({ status: 400, error: 'invalid_request' });
    expect(FAILURES.multiple_token_methods).toEqual({ status: 400, error: 'invalid_request' });
    expect(FAILURES.https_required).toEqual({ status: 400, error: 'invalid_request' });
    expect(FAILURES.signature_invalid).toEqual({ status: 401, error: 'invalid_token' });
    expect(FAILURES.insufficient_scope).toEqual({ status: 403, error: 'insufficient_scope' });
    expect(FAILURES.claim_check_failed).toEqual({ status: 403, error: 'insufficient_scope' });
  });

  it('names the required scopes for insufficient_scope', () => {
    const rejection = buildRejection(
      { code: 'insufficient_scope', description: 'Missing', requiredScopes: ['read', 'write'] },
      {},
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer error="insufficient_scope", error_description="Missing", scope="read write"',
    );
  });

  it('keeps the description intact in the JSON body while sanitizing the header', () => {
    const rejection = buildRejection(
      { code: 'claim_check_failed', description: 'claim "x" must be "y"' },
      {},
    );
    expect(rejection.body.error_description).toBe('claim "x" must be "y"');
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer error="insufficient_scope", error_description="claim x must be y"',
    );
  });
});

describe('challenge settings of the resource server', () => {
  const resolver = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

  it('puts realm and error_uri into every challenge', async () => {
    const rs = createResourceServer({
      resolver: resolver(),
      realm: 'example api',
      errorUri: 'https://docs.example.com/errors',
      clock: () => NOW_MS + 300_000,
    });
    expect(rs.challenge).toEqual({ realm: 'example api', errorUri: 'https://docs.example.com/errors' });
    const missing = expectRejected(
      await rs.authenticate({ method: 'GET', url: API_URL, headers: {} }),
      'token_missing',
    );
    expect(missing.wwwAuthenticate).toBe('Bearer realm="example api"');
    const expired = expectRejected(await rs.authenticate(bearerRequest(await mint(key))), 'token_expired');
    expect(expired.wwwAuthenticate).toBe(
      'Bearer realm="example api", error="invalid_token", error_description="The access token expired", ' +
        'error_uri="https://docs.example.com/errors"',
    );
  });

  it('refuses at build time a realm or error_uri that cannot be quoted', () => {
    for (const realm of ['a"b', 'a\\b', 'réalm', 'line\nbreak']) {
      expectConfigError(() => createResourceServer({ resolver: resolver(), realm }), 'realm');
    }
    expectConfigError(
      () => createResourceServer({ resolver: resolver(), errorUri: 'https://e.example/"x"' }),
      'errorUri',
    );
    expectConfigError(
      () => createResourceServer({ resolver: resolver(), realm: 42 as unknown as string }),
      'realm',
    );
  });
});
