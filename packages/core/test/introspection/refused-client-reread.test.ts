import { afterEach, describe, expect, it } from 'vitest';
import { type IntrospectionError, introspectionResolver, type SecretStore } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import {
  type StandInAnswer,
  type StandInServer,
  startStandInServer,
} from '../stand-in-authorization-server.js';

// A stored client secret rotated on the authorization server is read again when the endpoint refuses
// the client's authentication, and the request sent once more with the new one. RFC 6749 §5.2 lets a
// server refuse it with a 401, or with a 400 `invalid_client` when the client did not authenticate with
// the Authorization header: the secret in the body (client_secret_post) is refused so by many servers.
// Another 400 says nothing of the credentials: no secret is read again for it.

const servers: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A store whose secret an operator rotates while the resource server runs (as a vault would). */
function rotatingStore(initial: string) {
  let value = initial;
  let reads = 0;
  const store: SecretStore = {
    name: 'rotatingStore',
    keys: () => {
      reads++;
      return [{ jwk: { kty: 'oct', k: Buffer.from(value).toString('base64url') }, origin: 'rotating store' }];
    },
  };
  return { store, reads: () => reads, set: (next: string) => (value = next) };
}

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/** The secret a request carried, by the method it was sent with. */
function secretSent(method: SecretMethod, request: Parameters<Parameters<typeof startStandInServer>[0]>[0]) {
  if (method === 'client_secret_post') return request.form.get('client_secret');
  const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (basic === undefined) return undefined;
  return decodeURIComponent(Buffer.from(basic, 'base64').toString('utf8').split(':')[1] ?? '');
}

/**
 * An endpoint that accepts only `accepted.secret`, refusing any other as `refusal` says, as a real one
 * does: a 401 with a challenge for Basic, a 400 `invalid_client` for a secret in the body.
 */
async function endpointAccepting(method: SecretMethod, refusal: StandInAnswer) {
  const accepted = { secret: 'the-new-secret' };
  const server = await startStandInServer((request) =>
    secretSent(method, request) === accepted.secret ? { json: { active: true, scope: 'read' } } : refusal,
  );
  servers.push(server);
  const rotating = rotatingStore('the-old-secret');
  const errors: IntrospectionError[] = [];
  const rs = resourceServerWith(
    introspectionResolver({
      endpoint: server.introspectionEndpoint,
      acceptAnyAudience: true,
      clientAuthentication: {
        method,
        clientId: 'rs',
        clientSecret: { store: rotating.store, secretId: 'agent.secret.id' },
      },
      onError: (error) => errors.push(error),
    }),
  );
  return { server, rotating, rs, errors };
}

const INVALID_CLIENT: StandInAnswer = {
  status: 400,
  json: { error: 'invalid_client', error_description: 'Invalid client credentials' },
};
const UNAUTHORIZED: StandInAnswer = { status: 401, json: { error: 'invalid_client' } };

describe('a refused client authentication re-reads a rotated stored secret and asks once more', () => {
  it.each([
    ['client_secret_post', '400 invalid_client', INVALID_CLIENT],
    ['client_secret_post', '401', UNAUTHORIZED],
    ['client_secret_basic', '401', UNAUTHORIZED],
    ['client_secret_basic', '400 invalid_client', INVALID_CLIENT],
  ] as const)('%s refused with %s', async (method, _refusal, refusal) => {
    const { server, rotating, rs, errors } = await endpointAccepting(method, refusal);
    // Rotated on the server and in the store, after the resource server read it.
    rotating.set('the-new-secret');
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    expect(server.requests).toHaveLength(2);
    expect(errors).toEqual([]);
  });
});

describe('other refusals read no secret again', () => {
  it.each([
    ['400 invalid_request', { status: 400, json: { error: 'invalid_request' } }],
    ['400 without an OAuth error', { status: 400, body: 'Bad Request', contentType: 'text/plain' }],
  ] as const)('client_secret_post refused with %s', async (_name, refusal) => {
    const { server, rotating, rs, errors } = await endpointAccepting('client_secret_post', refusal);
    const readsBefore = rotating.reads();
    rotating.set('the-new-secret');
    expectRejected(await rs.authenticate(bearerRequest('opaque-token')), 'introspection_misconfigured', 503);
    expect(server.requests).toHaveLength(1);
    expect(rotating.reads()).toBe(readsBefore);
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });

  it("a 400 unsupported_token_type is the token's, not the credentials'", async () => {
    const { server, rotating, rs } = await endpointAccepting('client_secret_post', {
      status: 400,
      json: { error: 'unsupported_token_type' },
    });
    const readsBefore = rotating.reads();
    expectRejected(await rs.authenticate(bearerRequest('opaque-token')), 'token_unsupported', 401);
    expect(server.requests).toHaveLength(1);
    expect(rotating.reads()).toBe(readsBefore);
  });
});

describe('an unchanged secret refused with 400 invalid_client', () => {
  it('is asked for once, and reported as refused credentials', async () => {
    const { server, rs, errors } = await endpointAccepting('client_secret_post', INVALID_CLIENT);
    expectRejected(await rs.authenticate(bearerRequest('opaque-token')), 'introspection_misconfigured', 503);
    // The store still holds the refused secret: nothing worth a second call.
    expect(server.requests).toHaveLength(1);
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });
});
