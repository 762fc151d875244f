import { describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  type IntrospectionResolverOptions,
  introspectionResolver,
} from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

const ENDPOINT = 'https://as.example.com/oauth2/introspect';
const BASIC: ClientAuthentication = { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' };

function build(options: Partial<IntrospectionResolverOptions>) {
  return () =>
    introspectionResolver({
      endpoint: ENDPOINT,
      clientAuthentication: BASIC,
      ...options,
    } as IntrospectionResolverOptions);
}

function buildWithAuth(clientAuthentication: unknown) {
  return build({ clientAuthentication: clientAuthentication as ClientAuthentication });
}

describe('introspection configuration errors, at start-up', () => {
  it('needs the endpoint or an issuer to discover it from', () => {
    expectConfigError(build({ endpoint: undefined }), 'introspection.endpoint');
    expect(build({ endpoint: undefined, issuer: 'https://as.example.com' })).not.toThrow();
  });

  it('refuses plain http to a non-loopback host, unless allowed', () => {
    expectConfigError(build({ endpoint: 'http://as.example.com/introspect' }), 'introspection.endpoint');
    expectConfigError(
      build({ endpoint: undefined, issuer: 'http://as.example.com' }),
      'introspection.issuer',
    );
    expect(build({ endpoint: 'http://as.example.com/introspect', allowInsecureHttp: true })).not.toThrow();
    expect(build({ endpoint: 'http://127.0.0.1:8080/introspect' })).not.toThrow();
    expect(build({ endpoint: 'http://localhost:8080/introspect' })).not.toThrow();
  });

  it('refuses endpoints that are not absolute, carry credentials or a fragment', () => {
    expectConfigError(build({ endpoint: '/introspect' }), 'introspection.endpoint');
    expectConfigError(
      build({ endpoint: 'https://rs:secret@as.example.com/introspect' }),
      'introspection.endpoint',
    );
    expectConfigError(build({ endpoint: 'https://as.example.com/introspect#x' }), 'introspection.endpoint');
  });

  it.each([-1, 6, 1.5, Number.NaN])('refuses retries %s', (retries) => {
    expectConfigError(build({ retries }), 'introspection.retries');
  });

  it('refuses durations and sizes that cannot work', () => {
    expectConfigError(build({ timeout: 0 }), 'introspection.timeout');
    expectConfigError(build({ retryDelay: -5 }), 'introspection.retryDelay');
    expectConfigError(
      build({ maxResponseBytes: Number.POSITIVE_INFINITY }),
      'introspection.maxResponseBytes',
    );
    expectConfigError(build({ skewAllowance: -1 }), 'introspection.skewAllowance');
  });

  it('refuses an empty audience', () => {
    expectConfigError(build({ audience: [] }), 'introspection.audience');
    expectConfigError(build({ audience: '' }), 'introspection.audience');
  });

  it('needs client authentication with everything its method requires', () => {
    expectConfigError(buildWithAuth(undefined), 'introspection.clientAuthentication');
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientId: 'rs' }),
      'introspection.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_post', clientId: 'rs', clientSecret: '' }),
      'introspection.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientSecret: 'secret' }),
      'introspection.clientAuthentication.clientId',
    );
    expectConfigError(buildWithAuth({ method: 'bearer' }), 'introspection.clientAuthentication.token');
    expectConfigError(
      buildWithAuth({ method: 'tls_client_auth' }),
      'introspection.clientAuthentication.clientId',
    );
  });

  it('private_key_jwt needs an asymmetric algorithm and a key', () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' };
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey: key, algorithm: 'HS256' }),
      'introspection.clientAuthentication.algorithm',
    );
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', algorithm: 'ES256' }),
      'introspection.clientAuthentication.privateKey',
    );
  });

  it('names the method when it is not one of the supported ones', () => {
    expectConfigError(
      buildWithAuth({ method: 'client_secret_jwt', clientId: 'rs', clientSecret: 's' }),
      'introspection.clientAuthentication.method',
    );
  });
});
