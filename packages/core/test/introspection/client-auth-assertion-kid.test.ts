// A private_key_jwt assertion names its key by the `kid` of the private JWK it is signed with. Before, only
// the separate `kid` option went into the header: a JWK carrying its own `kid` signed assertions without
// one, which a server holding more than one key for the client (during a key rotation) cannot match to a
// key and refuses (Okta: "kid is invalid"; a jose key set: several keys match). The `kid` option still
// wins, for a server that named the key itself.
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectConfigError } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const authorizationServer = useAuthorizationServer();

let previousKey: JWK;
let currentKey: JWK;

beforeAll(async () => {
  const previous = await generateKeyPair('ES256', { extractable: true });
  const current = await generateKeyPair('ES256', { extractable: true });
  previousKey = { ...(await exportJWK(previous.privateKey)), kid: 'rs-2025' };
  currentKey = { ...(await exportJWK(current.privateKey)), kid: 'rs-2026' };
});

const standIns: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

const publicHalf = ({ d: _d, ...rest }: JWK): JWK => rest;

/** The one assertion `server` received, verified as a server holding both of the client's keys does. */
async function verifiedAssertion(server: StandInServer) {
  const form = server.requests[0]?.form;
  expect(form?.get('client_assertion_type')).toBe(ASSERTION_TYPE);
  const assertion = form?.get('client_assertion') ?? '';
  // Picks the key by `kid`: with two keys of the algorithm and none named, it cannot choose (and refuses).
  const keys = createLocalJWKSet({ keys: [publicHalf(previousKey), publicHalf(currentKey)] });
  await jwtVerify(assertion, keys, { issuer: 'rs', subject: 'rs', audience: server.introspectionEndpoint });
  return decodeProtectedHeader(assertion);
}

async function introspectWith(privateKey: JWK, kid?: string): Promise<StandInServer> {
  const server = await startStandInServer(() => ({ json: { active: true, client_id: 'app' } }));
  standIns.push(server);
  const resolver = introspectionResolver({
    endpoint: server.introspectionEndpoint,
    acceptAnyAudience: true,
    clientAuthentication: { method: 'private_key_jwt', clientId: 'rs', privateKey, algorithm: 'ES256', kid },
  });
  expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque')));
  return server;
}

describe('the kid of a private_key_jwt assertion', () => {
  it("is the private JWK's own kid when no kid option is given", async () => {
    const header = await verifiedAssertion(await introspectWith(currentKey));
    expect(header).toEqual({ alg: 'ES256', kid: 'rs-2026' });
  });

  it("is the kid option when it repeats the JWK's own", async () => {
    const header = await verifiedAssertion(await introspectWith(currentKey, 'rs-2026'));
    expect(header.kid).toBe('rs-2026');
  });

  it('is the kid option for a JWK without one, and absent when neither names one', async () => {
    const { kid: _kid, ...unnamed } = currentKey;
    expect((await verifiedAssertion(await introspectWith(unnamed, 'rs-2026'))).kid).toBe('rs-2026');
    const server = await introspectWith(unnamed);
    const assertion = server.requests[0]?.form.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256' });
  });

  it("is the kid option when it names another key than the JWK's own, as a server may name it", async () => {
    const renamed = { ...currentKey, kid: 'local-name' };
    const header = await verifiedAssertion(await introspectWith(renamed, 'rs-2026'));
    expect(header.kid).toBe('rs-2026');
  });

  it('refuses at start-up a JWK whose own kid is not text the server could match', () => {
    for (const kid of [42, '', 'rs-2026\n'] as unknown[]) {
      expectConfigError(
        () =>
          introspectionResolver({
            endpoint: 'https://as.example.com/introspect',
            acceptAnyAudience: true,
            clientAuthentication: {
              method: 'private_key_jwt',
              clientId: 'rs',
              privateKey: { ...currentKey, kid } as JWK,
              algorithm: 'ES256',
            },
          }),
        'introspectionResolver.clientAuthentication.privateKey',
      );
    }
  });

  it("is accepted by oidc-provider, taken from the registered key's JWK", async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    // testkit's client key carries the kid the server registered; no separate kid option is given.
    const { clientId, privateKey, algorithm } = as.privateKeyJwtClient;
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: { method: 'private_key_jwt', clientId, privateKey, algorithm },
    });
    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));
    expect(errors).toEqual([]);
  });
});
