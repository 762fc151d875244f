// Every refusal core can build, read back with a strict RFC 9110 §11 parser: the challenge parses, each
// parameter stays within its RFC 6750 / RFC 9449 / RFC 9470 character set and occurs once, and the
// status, body and cache headers are the ones FAILURES and the README's rejections table give.
import { checkOAuthChallengeParams, parseWwwAuthenticate } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { FAILURES, type Failure, type FailureCode } from '../../src/errors/failure.js';
import { buildRejection, type ChallengeSettings } from '../../src/errors/rejection.js';

const CODES = Object.keys(FAILURES) as FailureCode[];

const SETTINGS: Readonly<Record<string, ChallengeSettings>> = {
  'nothing configured': {},
  'realm and error_uri': { realm: 'api', errorUri: 'https://docs.example.com/errors' },
  'resource metadata': {
    realm: 'api',
    resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
  },
  'DPoP accepted': { realm: 'api', dpopAlgorithms: ['ES256', 'PS256', 'EdDSA'] },
  'DPoP and resource metadata': {
    realm: 'api',
    errorUri: '/errors',
    dpopAlgorithms: ['ES256'],
    resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/v1',
  },
};

/** A refusal of `code` with every member it can carry, and a description with what RFC 6750 forbids. */
function failureOf(code: FailureCode): Failure {
  return {
    code,
    description: 'A "quoted" \\ back-slashed, tabbed\tnon-ASCII é description\r\n',
    ...(code === 'insufficient_scope' && { requiredScopes: ['read', 'write:all', 'urn:x'] }),
    ...(code === 'insufficient_user_authentication' && {
      acrValues: ['urn:mfa', 'phr'],
      maxAge: 300,
    }),
  };
}

const EXPECTED_STATUS: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  insufficient_user_authentication: 401,
};

describe('every rejection, read with a strict WWW-Authenticate parser', () => {
  for (const [settingsName, settings] of Object.entries(SETTINGS)) {
    for (const scheme of [undefined, 'Bearer', 'DPoP'] as const) {
      for (const bearer of [true, false]) {
        if (scheme === 'DPoP' && settings.dpopAlgorithms === undefined) continue;
        if (!bearer && settings.dpopAlgorithms === undefined) continue;
        const title = `${settingsName}, presented ${scheme ?? 'nothing'}${bearer ? '' : ', DPoP-only route'}`;
        it(`${title}: every code`, () => {
          for (const code of CODES) {
            // Only the DPoP verifier refuses with a proof error: never on a server without DPoP.
            const { error: codeError } = FAILURES[code];
            const proofCode = codeError === 'invalid_dpop_proof' || codeError === 'use_dpop_nonce';
            if (proofCode && settings.dpopAlgorithms === undefined) continue;
            const failure = failureOf(code);
            const rejection = buildRejection(failure, settings, {
              scheme,
              bearer,
              ...(code === 'dpop_nonce_required' && { dpopNonce: 'n-1' }),
            });
            const { status, error } = FAILURES[code];
            expect(rejection.body).toEqual(
              error === undefined
                ? { error_description: failure.description, code }
                : { error, error_description: failure.description, code },
            );
            expect(rejection.headers['cache-control']).toBe('no-store');
            expect(rejection.headers['content-type']).toBe('application/json');
            if (status >= 500) {
              expect(rejection.status).toBe(503);
              expect(rejection.headers).not.toHaveProperty('www-authenticate');
              expect(rejection.challenges).toEqual([]);
              continue;
            }
            expect(rejection.status, code).toBe(error === undefined ? 401 : EXPECTED_STATUS[error]);
            const header = rejection.headers['www-authenticate']!;
            const parsed = parseWwwAuthenticate(header);
            // One field with the list, and the same challenges one by one, read back alike.
            expect(rejection.challenges.flatMap((line) => parseWwwAuthenticate(line))).toEqual(parsed);
            for (const challenge of parsed) checkOAuthChallengeParams(challenge);
            const schemes = parsed.map((challenge) => challenge.scheme);
            const dpop = settings.dpopAlgorithms !== undefined;
            expect(schemes, code).toEqual(dpop ? (bearer ? ['Bearer', 'DPoP'] : ['DPoP']) : ['Bearer']);
            const withError = parsed.filter((challenge) => challenge.params.error !== undefined);
            if (error === undefined) {
              expect(withError).toEqual([]);
              for (const challenge of parsed) {
                expect(challenge.params).not.toHaveProperty('error_description');
                expect(challenge.params).not.toHaveProperty('error_uri');
              }
            } else {
              expect(withError.map((challenge) => challenge.params.error)).toEqual([error]);
              const [errorChallenge] = withError;
              const proofError = error === 'invalid_dpop_proof' || error === 'use_dpop_nonce';
              expect(errorChallenge!.scheme, code).toBe(
                proofError || scheme === 'DPoP' || !bearer ? 'DPoP' : 'Bearer',
              );
              expect(errorChallenge!.params.error_description).toBe(
                'A quoted  back-slashed, tabbednon-ASCII  description',
              );
              if (settings.errorUri !== undefined)
                expect(errorChallenge!.params.error_uri).toBe(settings.errorUri);
              if (code === 'insufficient_scope')
                expect(errorChallenge!.params.scope).toBe('read write:all urn:x');
              if (code === 'insufficient_user_authentication') {
                expect(errorChallenge!.params.acr_values).toBe('urn:mfa phr');
                expect(errorChallenge!.params.max_age).toBe('300');
              }
            }
            for (const challenge of parsed) {
              if (settings.realm !== undefined) expect(challenge.params.realm).toBe(settings.realm);
              expect(challenge.params.resource_metadata).toBe(settings.resourceMetadata);
              expect(challenge.params.algs).toBe(
                challenge.scheme === 'DPoP' ? settings.dpopAlgorithms?.join(' ') : undefined,
              );
            }
            expect(rejection.headers['dpop-nonce']).toBe(code === 'dpop_nonce_required' ? 'n-1' : undefined);
          }
        });
      }
    }
  }
});

describe('the strict parser itself', () => {
  it('reads the forms RFC 9110 §11 allows', () => {
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'Bearer', params: {} }]);
    expect(parseWwwAuthenticate('Basic YWxhZGRpbjpvcGVuc2VzYW1l==, Bearer realm="a\\"b"')).toEqual([
      { scheme: 'Basic', token68: 'YWxhZGRpbjpvcGVuc2VzYW1l==', params: {} },
      { scheme: 'Bearer', params: { realm: 'a"b' } },
    ]);
    expect(parseWwwAuthenticate('DPoP algs=ES256 ,Bearer REALM = "x" , error="e"')).toEqual([
      { scheme: 'DPoP', params: { algs: 'ES256' } },
      { scheme: 'Bearer', params: { realm: 'x', error: 'e' } },
    ]);
  });

  it('refuses what the grammar does not produce', () => {
    for (const broken of [
      'Bearer realm="a", realm="b"',
      'Bearer realm="a", Realm=b',
      'Bearer realm="unterminated',
      'Bearer, , DPoP',
      'Bearer realm="a",',
      'Bearer realm="a" error="b"',
      'Bearer realm="a\u0001"',
      'Bearer  ',
      ', Bearer',
      'Bearer realm="a", error=',
      'Bearer realm="a\\\u0001"',
    ]) {
      expect(() => parseWwwAuthenticate(broken), broken).toThrow(/not a WWW-Authenticate value/);
    }
  });

  it('refuses OAuth parameters outside their character sets', () => {
    const broken: Record<string, string>[] = [
      { error_description: 'caf\u00e9' },
      { error: 'a"b' },
      { scope: 'read  write' },
      { scope: 'read ' },
      { error_uri: 'https://x y' },
      { max_age: '-1' },
      { acr_values: '' },
    ];
    for (const params of broken) {
      expect(() => checkOAuthChallengeParams({ scheme: 'Bearer', params }), JSON.stringify(params)).toThrow(
        /breaks its grammar/,
      );
    }
  });
});
