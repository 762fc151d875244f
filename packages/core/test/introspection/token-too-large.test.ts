import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntrospectionError, introspectionResolver } from '../../src/index.js';
import { bearerRequest, expectConfigError, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A long token is the client's doing: refused as 401 before any call, never raised as a 503
// "misconfigured" alarm because the authorization server refused the oversized request.
const authorizationServer = useAuthorizationServer();

describe('introspection: a token longer than maxTokenLength', () => {
  it('is refused with 401 token_too_large before the real authorization server is called', async () => {
    const as = authorizationServer();
    const { resolver, errors } = introspectAt(as);
    const before = as.introspectionRequests;
    const rejection = expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('A'.repeat(16_385))),
      'token_too_large',
      401,
    );
    expect(rejection.body.error).toBe('invalid_token');
    expect(as.introspectionRequests).toBe(before);
    expect(errors).toEqual([]);
  });

  it('honours a configured maximum, and still introspects a token at the limit', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const { resolver, errors } = introspectAt(as, { maxTokenLength: token.length });
    const rs = resourceServerWith(resolver);
    const before = as.introspectionRequests;
    expectRejected(await rs.authenticate(bearerRequest(`${token}A`)), 'token_too_large', 401);
    expect(as.introspectionRequests).toBe(before);
    const accepted = await rs.authenticate(bearerRequest(token));
    expect(accepted.ok).toBe(true);
    expect(as.introspectionRequests).toBe(before + 1);
    expect(errors).toEqual([]);
  });

  it('refuses a maxTokenLength that is not a positive integer at start-up', () => {
    const build = (maxTokenLength: number) => () =>
      introspectionResolver({
        acceptAnyAudience: true,
        endpoint: 'https://as.example.com/introspect',
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's' },
        maxTokenLength,
      });
    expectConfigError(build(0), 'introspectionResolver.maxTokenLength');
    expectConfigError(build(1.5), 'introspectionResolver.maxTokenLength');
  });
});

describe('introspection: an authorization server answering 413 Payload Too Large', () => {
  let server: StandInServer;
  beforeAll(async () => {
    server = await startStandInServer(() => ({ status: 413, json: { error: 'invalid_request' } }));
  });
  afterAll(() => server.close());

  it('is the token’s fault: 401 token_too_large, and no misconfiguration is reported', async () => {
    const errors: IntrospectionError[] = [];
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: server.introspectionEndpoint,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      allowInsecureHttp: true,
      onError: (error) => errors.push(error),
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('B'.repeat(9_000))),
      'token_too_large',
      401,
    );
    expect(server.requests).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
