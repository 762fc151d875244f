import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  type IntrospectionError,
  introspectionResolver,
  type ResourceServerOptions,
  tokenCache,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { bearerRequest, expectAccepted, expectRejected, NOW_MS, NOW_S } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// RFC 9449 §6.2: the introspection answer for a DPoP-bound token says `token_type: "DPoP"` and names the
// key in `cnf.jkt`; §7.2: a DPoP-bound token presented as a bearer token is refused. A stand-in
// authorization server over real HTTP answers what the token names.
let client: DpopKey;
let server: StandInServer;
let calls = 0;

function answerFor(token: string): Record<string, unknown> {
  const active = { active: true, scope: 'read', exp: NOW_S + 60 };
  switch (token) {
    case 'dpop-no-cnf':
      return { ...active, token_type: 'DPoP' };
    case 'dpop-lower-case-no-cnf':
      return { ...active, token_type: 'dpop' };
    case 'dpop-upper-case-no-cnf':
      return { ...active, token_type: 'DPOP' };
    case 'dpop-certificate-only':
      return {
        ...active,
        token_type: 'DPoP',
        cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' },
      };
    case 'dpop-jwk-only':
      return { ...active, token_type: 'DPoP', cnf: { jwk: client.publicJwk } };
    case 'dpop-other-members-only':
      return { ...active, token_type: 'DPoP', cnf: { auth_level: 0 } };
    case 'dpop-with-jkt':
      return { ...active, token_type: 'DPoP', cnf: { jkt: client.jkt } };
    case 'bearer':
      return { ...active, token_type: 'Bearer' };
    default:
      return { active: false };
  }
}

beforeAll(async () => {
  client = await dpopKey();
  server = await startStandInServer((request) => {
    calls++;
    return { json: answerFor(request.form.get('token') ?? '') };
  });
});
afterAll(() => server.close());

function introspection(errors: IntrospectionError[]) {
  return introspectionResolver({
    acceptAnyAudience: true,
    endpoint: server.introspectionEndpoint,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => errors.push(error),
  });
}

function rsWith(options: Partial<ResourceServerOptions> = {}) {
  const errors: IntrospectionError[] = [];
  const rs = createResourceServer({ resolver: introspection(errors), clock: () => NOW_MS, ...options });
  return { rs, errors };
}

const WITHOUT_JKT = [
  'dpop-no-cnf',
  'dpop-lower-case-no-cnf',
  'dpop-upper-case-no-cnf',
  'dpop-certificate-only',
  'dpop-jwk-only',
  'dpop-other-members-only',
];

describe('introspection: an answer saying token_type DPoP without cnf.jkt', () => {
  it.each(WITHOUT_JKT)('%s over the Bearer scheme: 401 dpop_bound_token_as_bearer', async (token) => {
    // A key-bound token a jwkConfirmation verifier would confirm without a proof: not for a DPoP token.
    for (const options of [{}, { dpop: true }, { jwkConfirmation: () => true }]) {
      const { rs, errors } = rsWith(options);
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(token)),
        'dpop_bound_token_as_bearer',
        401,
      );
      expect(rejection.body.error).toBe('invalid_token');
      expect(errors).toEqual([]);
    }
  });

  it.each(WITHOUT_JKT)(
    '%s over the DPoP scheme with a valid proof: 401 confirmation_unsupported',
    async (token) => {
      const { rs, errors } = rsWith({ dpop: true });
      const proof = await makeProof(client, {}, { token });
      const rejection = expectRejected(
        await rs.authenticate(dpopRequest(token, proof)),
        'confirmation_unsupported',
        401,
      );
      expect(rejection.body.error).toBe('invalid_token');
      expect(rejection.body.error_description).toMatch(/"cnf\.jkt"/);
      expect(errors).toEqual([]);
    },
  );

  it('refuses it on every request behind a token cache, whichever scheme comes first', async () => {
    const errors: IntrospectionError[] = [];
    const { rs } = rsWith({ dpop: true, resolver: tokenCache(introspection(errors)) });
    const token = 'dpop-no-cnf';
    const before = calls;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'dpop_bound_token_as_bearer');
    const proof = await makeProof(client, {}, { token });
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'confirmation_unsupported');
    expectRejected(await rs.authenticate(bearerRequest(token)), 'dpop_bound_token_as_bearer');
    // The refusal depends on how the token is presented: no cache keeps it for the next request.
    expect(calls - before).toBe(3);
    expect(errors).toEqual([]);
  });

  it('leaves a DPoP answer naming its key to the confirm stage: proof accepted, Bearer refused', async () => {
    const { rs } = rsWith({ dpop: true });
    const token = 'dpop-with-jkt';
    const proof = await makeProof(client, {}, { token });
    const context = expectAccepted(await rs.authenticate(dpopRequest(token, proof)));
    expect(context.confirmation?.jkt).toBe(client.jkt);
    expectRejected(await rs.authenticate(bearerRequest(token)), 'dpop_bound_token_as_bearer');
  });

  it('still accepts a Bearer answer over the Bearer scheme', async () => {
    expectAccepted(await rsWith({ dpop: true }).rs.authenticate(bearerRequest('bearer')));
  });
});
