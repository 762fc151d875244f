import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A stand-in authorization server over real HTTP that answers `active: true` for what is not an access
// token, as some do for refresh tokens: the token named in the request picks the answer. A `token_type`
// that is no string says nothing of the token: the server is broken (answer-member-types.test.ts).
const NOW_S = 1_900_000_000;
const ANSWERS: Record<string, Record<string, unknown>> = {
  'refresh-token': { token_type: 'refresh_token' },
  'refresh-token-uri': { token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
  'id-token': { token_type: 'id_token' },
  'not-applicable': { token_type: 'N_A' },
  'keycloak-refresh': { typ: 'Refresh' },
  'keycloak-offline': { typ: 'Offline' },
  'keycloak-id': { typ: 'ID' },
  'keycloak-logout': { typ: 'logout' },
  // Access Management names its tokens in `tokenName`; its refresh tokens say `token_type: "Bearer"` too.
  'am-refresh': { token_type: 'Bearer', tokenName: 'refresh_token' },
  'am-id-token': { tokenName: 'id_token' },
  bearer: { token_type: 'Bearer' },
  'bearer-lower-case': { token_type: 'bearer' },
  'access-token': { token_type: 'access_token' },
  'access-token-uri': { token_type: 'urn:ietf:params:oauth:token-type:access_token' },
  'keycloak-bearer': { typ: 'Bearer' },
  'am-access': { token_type: 'Bearer', tokenName: 'access_token' },
  'no-type': {},
};

let server: StandInServer;
let calls = 0;
beforeAll(async () => {
  server = await startStandInServer((request) => {
    calls++;
    const members = ANSWERS[request.form.get('token') ?? ''];
    return {
      json:
        members === undefined
          ? { active: false }
          : { active: true, scope: 'read', exp: NOW_S + 60, ...members },
    };
  });
});
afterAll(() => server.close());

function rs() {
  const resolver = introspectionResolver({
    acceptAnyAudience: true,
    endpoint: server.introspectionEndpoint,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => {
      throw new Error(`unexpected introspection error: ${error.message}`);
    },
  });
  return resourceServerWith(resolver, () => NOW_S * 1000);
}

describe('introspection: an active answer for a token that is not an access token', () => {
  it.each([
    'refresh-token',
    'refresh-token-uri',
    'id-token',
    'not-applicable',
    'keycloak-refresh',
    'keycloak-offline',
    'keycloak-id',
    'keycloak-logout',
    'am-refresh',
    'am-id-token',
  ])('%s: 401 token_type_invalid', async (token) => {
    const before = calls;
    const rejection = expectRejected(
      await rs().authenticate(bearerRequest(token)),
      'token_type_invalid',
      401,
    );
    expect(rejection.body.error).toBe('invalid_token');
    expect(rejection.body.error_description).toMatch(/says the token is not an access token/);
    expect(calls).toBe(before + 1);
  });

  it.each([
    'bearer',
    'bearer-lower-case',
    'access-token',
    'access-token-uri',
    'keycloak-bearer',
    'am-access',
    'no-type',
  ])('%s: accepted', async (token) => {
    expectAccepted(await rs().authenticate(bearerRequest(token)));
  });
});
