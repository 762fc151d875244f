import { importJWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientAuthentication, fetchHttpClient, introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// The real oidc-provider (testkit) checks basic, post and private_key_jwt; it offers neither `bearer` nor
// (without TLS here) `tls_client_auth` for introspection, so those two go to a stand-in server.
const authorizationServer = useAuthorizationServer();

const standIns: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((server) => server.close()));
});

async function acceptedWith(clientAuthentication: ClientAuthentication): Promise<void> {
  const as = authorizationServer();
  const token = await as.issueToken({ scope: 'read' });
  const { resolver, errors } = introspectAt(as, { clientAuthentication });
  const context = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));
  expect(context.clientId).toBe(as.appClient.clientId);
  expect(errors).toEqual([]);
}

describe('introspection client authentication against a real authorization server', () => {
  it('client_secret_basic form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)', async () => {
    const as = authorizationServer();
    expect(as.basicClient).toEqual({ clientId: 'rs client:1', clientSecret: 's3cr:t+/=' });
    await acceptedWith({ method: 'client_secret_basic', ...as.basicClient });
  });

  it('the same credentials without the form-urlencoding are refused by the server', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const { clientId, clientSecret } = as.basicClient;
    const response = await fetch(as.introspectionEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('client_secret_post', async () => {
    await acceptedWith({ method: 'client_secret_post', ...authorizationServer().postClient });
  });

  it('private_key_jwt with a private JWK, a fresh assertion per call', async () => {
    const { clientId, privateKey, algorithm, kid } = authorizationServer().privateKeyJwtClient;
    const authentication: ClientAuthentication = {
      method: 'private_key_jwt',
      clientId,
      privateKey,
      algorithm,
      kid,
    };
    // oidc-provider refuses a replayed assertion (same jti): two calls prove each one is new.
    await acceptedWith(authentication);
    await acceptedWith(authentication);
  });

  it('private_key_jwt with a CryptoKey and the issuer as audience', async () => {
    const as = authorizationServer();
    const { clientId, privateKey, algorithm } = as.privateKeyJwtClient;
    const key = (await importJWK(privateKey, algorithm)) as CryptoKey;
    await acceptedWith({
      method: 'private_key_jwt',
      clientId,
      privateKey: key,
      algorithm,
      audience: as.issuer,
    });
  });

  it('private_key_jwt signed with a key the server does not know is our misconfiguration', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'private_key_jwt',
        clientId: as.privateKeyJwtClient.clientId,
        privateKey: other.privateKey,
        algorithm: 'ES256',
      },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_misconfigured',
    );
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_MISCONFIGURED']);
  });

  // The authorization server judges client assertions by its own clock, so they are dated by real time.
  it('private_key_jwt assertions are dated by real time, not by the injected token clock', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const { clientId, privateKey, algorithm } = as.privateKeyJwtClient;
    const { resolver } = introspectAt(as, {
      clientAuthentication: { method: 'private_key_jwt', clientId, privateKey, algorithm },
      // The token's own iat is judged by the shifted clock: allow for it, so only the assertion is at stake.
      skewAllowance: 300,
    });
    const twoMinutesBehind = () => Date.now() - 120_000;
    expectAccepted(await resourceServerWith(resolver, twoMinutesBehind).authenticate(bearerRequest(token)));
  });

  it('a client the server does not know is our misconfiguration', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const { resolver } = introspectAt(as, {
      clientAuthentication: { method: 'client_secret_post', clientId: 'nobody', clientSecret: 'x' },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_misconfigured',
    );
  });
});

describe('introspection client authentication: what goes on the wire (stand-in server)', () => {
  async function standIn(expectedAuthorization?: string): Promise<StandInServer> {
    // A stand-in authorization server: it checks the Authorization header the way a server protecting
    // introspection with its own access token would, and answers RFC 7662 JSON.
    const server = await startStandInServer((request) => {
      if (expectedAuthorization !== undefined && request.headers.authorization !== expectedAuthorization) {
        return { status: 401, json: { error: 'invalid_token' } };
      }
      return { json: { active: true, scope: 'read', client_id: 'app-client' } };
    });
    standIns.push(server);
    return server;
  }

  it('bearer: a static token in the Authorization header, nothing in the form', async () => {
    const server = await standIn('Bearer rs-access-token');
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'bearer', token: 'rs-access-token' },
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-1')));

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect([...(request?.form.keys() ?? [])].sort()).toEqual(['token', 'token_type_hint']);
    expect(request?.form.get('token')).toBe('opaque-1');
  });

  it('bearer with a token the server refuses is our misconfiguration', async () => {
    const server = await standIn('Bearer rs-access-token');
    const errors: Error[] = [];
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'bearer', token: 'stale-token' },
      onError: (error) => errors.push(error),
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('opaque-1')),
      'introspection_misconfigured',
    );
    expect(errors).toHaveLength(1);
  });

  it('tls_client_auth: only client_id in the form, no secret and no Authorization header', async () => {
    const server = await standIn();
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'tls_client_auth', clientId: 'rs-mtls' },
      // A client of the user's own, which cannot tell whether it presents a certificate (the default one
      // presents none and is refused: test/introspection/tls-client-auth-http-client.test.ts).
      httpClient: fetchHttpClient(),
    });

    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-2')));

    const [request] = server.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      token: 'opaque-2',
      token_type_hint: 'access_token',
      client_id: 'rs-mtls',
    });
  });

  it('sends a form POST asking for JSON, with token_type_hint unless turned off', async () => {
    const server = await standIn();
    const withHint = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 'a&b=c' },
    });
    const withoutHint = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'client_secret_post', clientId: 'rs', clientSecret: 'a&b=c' },
      tokenTypeHint: false,
    });

    expectAccepted(await resourceServerWith(withHint).authenticate(bearerRequest('t+k/1==')));
    expectAccepted(await resourceServerWith(withoutHint).authenticate(bearerRequest('t2')));

    const [first, second] = server.requests;
    expect(first?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(first?.headers.accept).toBe('application/json');
    expect(Object.fromEntries(first?.form ?? [])).toEqual({
      token: 't+k/1==',
      token_type_hint: 'access_token',
      client_id: 'rs',
      client_secret: 'a&b=c',
    });
    expect(second?.form.has('token_type_hint')).toBe(false);
  });
});
