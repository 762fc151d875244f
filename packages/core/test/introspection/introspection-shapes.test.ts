import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntrospectionResolverOptions, introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// What other authorization servers answer (../shared/standards.md, "What real authorization servers
// send"), served by a stand-in over real HTTP: oidc-provider cannot produce these shapes. The answer
// for each request is the JSON fixture named by the token.
const ISSUER = 'https://am.example.com/openam/oauth2/realms/root';
const NOW_S = 1_900_000_000;
const clock = () => NOW_S * 1000;

const FIXTURES: Record<string, unknown> = {
  // AM tokeninfo style: scope as a JSON array, each scope also a top-level key.
  'am-array-scope': {
    active: true,
    scope: ['read', 'write'],
    read: true,
    write: true,
    client_id: 'app',
    sub: '(usr!demo)',
    token_type: 'Bearer',
    exp: NOW_S + 60,
    auth_level: 0,
    iss: ISSUER,
  },
  // Keycloak: `typ` instead of `token_type`, aud as an array, azp, realm and resource roles.
  keycloak: {
    active: true,
    typ: 'Bearer',
    aud: ['account', 'https://api.example.com'],
    azp: 'web-app',
    sub: '2b6f6c4e-3c50-4b4c-8b3f-8a6f3b0d5e11',
    scope: 'openid profile read',
    acr: '1',
    realm_access: { roles: ['offline_access', 'reader'] },
    resource_access: { account: { roles: ['view-profile'] } },
    exp: NOW_S + 300,
    iat: NOW_S - 10,
  },
  'keycloak-aud-string': { active: true, typ: 'Bearer', aud: 'https://api.example.com', scope: 'read' },
  // AM with a certificate-bound token (RFC 8705), and WSO2's non-standard thumbprint name.
  'am-cnf': {
    active: true,
    scope: 'read',
    cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' },
  },
  'wso2-cnf': { active: true, scope: 'read', username: 'alice@carbon.super', cnf: { 'x5t#SHA256': 'abc' } },
  // AM's root realm answers state its issuer with or without `/realms/root`.
  'am-root-without-realms': {
    active: true,
    scope: 'read',
    client_id: 'app',
    iss: 'https://am.example.com/openam/oauth2',
  },
  'other-issuer': { active: true, scope: 'read', iss: 'https://evil.example.com' },
  'no-issuer': { active: true, scope: 'read' },
  'inactive-with-members': { active: false, scope: 'read', client_id: 'app' },
  expired: { active: true, scope: 'read', exp: NOW_S - 1 },
  'not-yet-valid': { active: true, scope: 'read', nbf: NOW_S + 120 },
};

let server: StandInServer;
beforeAll(async () => {
  server = await startStandInServer((request) => {
    const fixture = FIXTURES[request.form.get('token') ?? ''];
    return fixture === undefined ? { json: { active: false } } : { json: fixture };
  });
});
afterAll(() => server.close());

function rsWith(options: Partial<IntrospectionResolverOptions> = {}) {
  const resolver = introspectionResolver({
    endpoint: server.introspectionEndpoint,
    issuer: ISSUER,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => {
      throw new Error(`unexpected introspection error: ${error.message}`);
    },
    ...(options.audience === undefined ? { acceptAnyAudience: true } : {}),
    ...options,
  });
  return resourceServerWith(resolver, clock);
}

describe('introspection answers of real servers (stand-in)', () => {
  it('AM: scope as an array; every member kept', async () => {
    const context = expectAccepted(
      await rsWith().authenticate(bearerRequest('am-array-scope'), { scopes: ['write'] }),
    );
    expect([...context.scopes].sort()).toEqual(['read', 'write']);
    expect(context.subject).toBe('(usr!demo)');
    expect(context.issuer).toBe(ISSUER);
    expect(context.claims.auth_level).toBe(0);
  });

  it('Keycloak: typ instead of token_type, aud as an array checked against the audience option, azp', async () => {
    const context = expectAccepted(
      await rsWith({ issuer: undefined, audience: 'https://api.example.com' }).authenticate(
        bearerRequest('keycloak'),
      ),
    );
    expect(context.audience).toEqual(['account', 'https://api.example.com']);
    expect(context.clientId).toBe('web-app');
    expect(context.claims.typ).toBe('Bearer');
    expect(context.claims.realm_access).toEqual({ roles: ['offline_access', 'reader'] });
    expect(context.expiresAt).toBe(NOW_S + 300);
  });

  it('Keycloak: aud as a string', async () => {
    const rs = rsWith({ audience: ['https://api.example.com'] });
    expectAccepted(await rs.authenticate(bearerRequest('keycloak-aud-string')));
    expectRejected(
      await rsWith({ audience: 'https://other.example.com' }).authenticate(
        bearerRequest('keycloak-aud-string'),
      ),
      'audience_mismatch',
    );
  });

  it('refuses a certificate-bound answer (cnf) without a certificate, and a cnf that is no thumbprint', async () => {
    // A stolen bound token must not work as a plain bearer token (certificate-*.test.ts covers the rest).
    expectRejected(await rsWith().authenticate(bearerRequest('am-cnf')), 'certificate_missing');
    expectRejected(await rsWith().authenticate(bearerRequest('wso2-cnf')), 'claim_invalid');
  });

  it('refuses an answer whose iss differs from the configured issuer; accepts one without iss', async () => {
    expectRejected(await rsWith().authenticate(bearerRequest('other-issuer')), 'issuer_mismatch');
    expectAccepted(await rsWith().authenticate(bearerRequest('no-issuer')));
  });

  it('AM: takes either spelling of the root realm issuer when both are given, and no third', async () => {
    // One spelling alone refuses the other, as for any issuer.
    expectRejected(await rsWith().authenticate(bearerRequest('am-root-without-realms')), 'issuer_mismatch');
    const both = rsWith({ issuer: [ISSUER, 'https://am.example.com/openam/oauth2'] });
    expect(expectAccepted(await both.authenticate(bearerRequest('am-root-without-realms'))).issuer).toBe(
      'https://am.example.com/openam/oauth2',
    );
    expectAccepted(await both.authenticate(bearerRequest('am-array-scope')));
    expectRejected(await both.authenticate(bearerRequest('other-issuer')), 'issuer_mismatch');
  });

  it('refuses an issuer list that is empty, holds a non-string, or a spelling no server could state', () => {
    const options = {
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      allowInsecureHttp: true,
      acceptAnyAudience: true,
    } as const;
    for (const issuer of [
      [],
      [ISSUER, 5],
      [ISSUER, 'https://AM.example.com/openam/oauth2'],
      [ISSUER, ' x'],
    ]) {
      expect(() => introspectionResolver({ ...options, issuer: issuer as string[] })).toThrow(
        /introspectionResolver\.issuer/,
      );
    }
  });

  it('treats active:false as inactive whatever else it carries', async () => {
    expectRejected(await rsWith().authenticate(bearerRequest('inactive-with-members')), 'token_inactive');
  });

  it('does not trust active:true past exp, or before nbf (clock injected)', async () => {
    expectRejected(await rsWith().authenticate(bearerRequest('expired')), 'token_expired');
    expectRejected(await rsWith().authenticate(bearerRequest('not-yet-valid')), 'token_not_yet_valid');
    expectAccepted(await rsWith({ skewAllowance: 5 }).authenticate(bearerRequest('expired')));
  });
});
