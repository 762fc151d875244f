import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
  tokenCache,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A stand-in authorization server over real HTTP answers `active: true` with members of the wrong type,
// as raw JSON text (JSON.stringify cannot write 1e999). Such an answer is the server's error, not the
// client's: 503, never a 401 that a token cache would keep as a refusal of the client's token.
const ISSUER = 'https://as.example.com';
const NOW_S = 1_900_000_000;
const ACTIVE = `"active":true,"scope":"read","exp":${NOW_S + 60}`;

// Each token names the answer and the member at fault, which the report to the operator names.
const BROKEN: Record<string, readonly [member: string, answer: string]> = {
  'exp-string': ['exp', `{"active":true,"scope":"read","exp":"${NOW_S + 60}"}`],
  'exp-infinite': ['exp', '{"active":true,"scope":"read","exp":1e999}'],
  'exp-boolean': ['exp', '{"active":true,"scope":"read","exp":true}'],
  'nbf-string': ['nbf', `{${ACTIVE},"nbf":"0"}`],
  'nbf-infinite': ['nbf', `{${ACTIVE},"nbf":-1e999}`],
  'iat-string': ['iat', `{${ACTIVE},"iat":"${NOW_S}"}`],
  'iat-infinite': ['iat', `{${ACTIVE},"iat":1e999}`],
  'cnf-string': ['cnf', `{${ACTIVE},"cnf":"x5t"}`],
  'cnf-array': ['cnf', `{${ACTIVE},"cnf":[]}`],
  'cnf-jkt-number': ['cnf.jkt', `{${ACTIVE},"cnf":{"jkt":42}}`],
  'cnf-x5t-object': ['cnf.x5t#S256', `{${ACTIVE},"cnf":{"x5t#S256":{}}}`],
  'cnf-jwk-string': ['cnf.jwk', `{${ACTIVE},"cnf":{"jwk":"key"}}`],
  'iss-number': ['iss', `{${ACTIVE},"iss":1}`],
  'aud-number': ['aud', `{${ACTIVE},"aud":1}`],
  'aud-mixed-list': ['aud', `{${ACTIVE},"aud":["https://api.example.com",1]}`],
  'scope-number': ['scope', '{"active":true,"scope":1}'],
  'scope-mixed-list': ['scope', '{"active":true,"scope":["read",null]}'],
  'sub-number': ['sub', `{${ACTIVE},"sub":12}`],
  // Never read as absent, which would let `azp` name the client (as the JWT path never does either).
  'client-id-number': ['client_id', `{${ACTIVE},"client_id":7,"azp":"other"}`],
  'username-list': ['username', `{${ACTIVE},"username":["alice"]}`],
  'token-type-number': ['token_type', `{${ACTIVE},"token_type":1}`],
  'jti-object': ['jti', `{${ACTIVE},"jti":{}}`],
};

const FINE: Record<string, string> = {
  'inactive-with-broken-members': '{"active":false,"exp":"x","cnf":null,"token_type":1}',
  'every-member-typed': `{${ACTIVE},"nbf":${NOW_S - 60},"iat":${NOW_S - 60},"iss":"${ISSUER}","aud":["https://api.example.com"],"sub":"alice","client_id":"app","username":"alice","token_type":"Bearer","jti":"j1"}`,
  'fractional-times': `{"active":true,"scope":"read","exp":${NOW_S + 60.5},"iat":${NOW_S - 0.5}}`,
  'scope-list': '{"active":true,"scope":["read","write"]}',
  // Janssen's documented answer: members it has no value for are written as null, read as not given.
  'janssen-nulls': `{"sub":"","iss":"${ISSUER}","active":true,"token_type":"Bearer","client_id":"app","aud":"app","nbf":null,"scope":"read","acr_values":null,"cnf":null,"exp":${NOW_S + 60},"iat":${NOW_S - 60},"jti":null,"username":null}`,
  'cnf-member-null': `{${ACTIVE},"cnf":{"x5t#SHA256":null}}`,
  'exp-null': '{"active":true,"scope":"read","exp":null}',
  'cnf-unknown-members': `{${ACTIVE},"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0","auth_level":0}}`,
};

let server: StandInServer;
let calls = 0;
beforeAll(async () => {
  server = await startStandInServer((request) => {
    calls++;
    const token = request.form.get('token') ?? '';
    return { body: BROKEN[token]?.[1] ?? FINE[token] ?? '{"active":false}' };
  });
});
afterAll(() => server.close());

function resolverWith(errors: IntrospectionError[], options: Partial<IntrospectionResolverOptions> = {}) {
  return introspectionResolver({
    endpoint: server.introspectionEndpoint,
    issuer: ISSUER,
    acceptAnyAudience: true,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => errors.push(error),
    ...options,
  });
}

describe('introspection: an active answer with a member of the wrong type is the server’s error', () => {
  it.each(Object.keys(BROKEN))('%s: 503 introspection_unavailable, not cached', async (token) => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(tokenCache(resolverWith(errors)), () => NOW_S * 1000);
    const before = calls;
    for (let i = 0; i < 2; i++) {
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(token)),
        'introspection_unavailable',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
    }
    // A refusal of the client's token would be kept for negativeTtl: this asks the server again.
    expect(calls - before).toBe(2);
    expect(errors).toHaveLength(2);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
    expect(errors[0]?.message).toContain(`answered "${BROKEN[token]![0]}" that is not`);
  });

  it('also with an audience configured, where a wrong-typed aud used to read as another API', async () => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(
      resolverWith(errors, { acceptAnyAudience: undefined, audience: 'https://api.example.com' }),
      () => NOW_S * 1000,
    );
    for (const token of ['aud-number', 'aud-mixed-list']) {
      expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_unavailable', 503);
    }
  });

  it.each(Object.keys(FINE))('%s: accepted or refused as before', async (token) => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(resolverWith(errors), () => NOW_S * 1000);
    const result = await rs.authenticate(bearerRequest(token));
    if (token === 'inactive-with-broken-members') expectRejected(result, 'token_inactive', 401);
    else if (token === 'cnf-unknown-members') expectRejected(result, 'certificate_missing', 401);
    // A confirmation left with no method: bound to something this server cannot check, as `cnf: {}` is.
    else if (token === 'cnf-member-null') expectRejected(result, 'confirmation_unsupported', 401);
    else expectAccepted(result);
    expect(errors).toEqual([]);
  });

  it('still refuses a well-formed answer whose exp has passed, as the client’s expired token', async () => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(resolverWith(errors), () => (NOW_S + 61) * 1000);
    expectRejected(await rs.authenticate(bearerRequest('every-member-typed')), 'token_expired', 401);
    expect(errors).toEqual([]);
  });
});
