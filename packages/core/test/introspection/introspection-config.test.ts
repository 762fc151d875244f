import { generateKeyPairSync } from 'node:crypto';
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
      audience: 'https://api.example.com',
      ...options,
    } as IntrospectionResolverOptions);
}

function buildWithAuth(clientAuthentication: unknown) {
  return build({ clientAuthentication: clientAuthentication as ClientAuthentication });
}

describe('introspection configuration errors, at start-up', () => {
  it('needs the endpoint or an issuer to discover it from', () => {
    expectConfigError(build({ endpoint: undefined }), 'introspectionResolver.endpoint');
    expect(build({ endpoint: undefined, issuer: 'https://as.example.com' })).not.toThrow();
  });

  it('refuses plain http to a non-loopback host, unless allowed', () => {
    expectConfigError(
      build({ endpoint: 'http://as.example.com/introspect' }),
      'introspectionResolver.endpoint',
    );
    expectConfigError(
      build({ endpoint: undefined, issuer: 'http://as.example.com' }),
      'introspectionResolver.issuer',
    );
    expect(build({ endpoint: 'http://as.example.com/introspect', allowInsecureHttp: true })).not.toThrow();
    expect(build({ endpoint: 'http://127.0.0.1:8080/introspect' })).not.toThrow();
    expect(build({ endpoint: 'http://localhost:8080/introspect' })).not.toThrow();
  });

  it('refuses endpoints that are not absolute, carry credentials or a fragment', () => {
    expectConfigError(build({ endpoint: '/introspect' }), 'introspectionResolver.endpoint');
    expectConfigError(
      build({ endpoint: 'https://rs:secret@as.example.com/introspect' }),
      'introspectionResolver.endpoint',
    );
    expectConfigError(
      build({ endpoint: 'https://as.example.com/introspect#x' }),
      'introspectionResolver.endpoint',
    );
  });

  it.each([-1, 6, 1.5, Number.NaN])('refuses retries %s', (retries) => {
    expectConfigError(build({ retries }), 'introspectionResolver.retries');
  });

  it('refuses durations and sizes that cannot work', () => {
    expectConfigError(build({ timeout: 0 }), 'introspectionResolver.timeout');
    expectConfigError(build({ retryDelay: -5 }), 'introspectionResolver.retryDelay');
    expectConfigError(
      build({ maxResponseBytes: Number.POSITIVE_INFINITY }),
      'introspectionResolver.maxResponseBytes',
    );
    expectConfigError(build({ skewAllowance: -1 }), 'introspectionResolver.skewAllowance');
  });

  it('refuses an empty audience', () => {
    expectConfigError(build({ audience: [] }), 'introspectionResolver.audience');
    expectConfigError(build({ audience: '' }), 'introspectionResolver.audience');
  });

  it('needs client authentication with everything its method requires', () => {
    expectConfigError(buildWithAuth(undefined), 'introspectionResolver.clientAuthentication');
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientId: 'rs' }),
      'introspectionResolver.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_post', clientId: 'rs', clientSecret: '' }),
      'introspectionResolver.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientSecret: 'secret' }),
      'introspectionResolver.clientAuthentication.clientId',
    );
    expectConfigError(
      buildWithAuth({ method: 'bearer' }),
      'introspectionResolver.clientAuthentication.token',
    );
    expectConfigError(
      buildWithAuth({ method: 'tls_client_auth' }),
      'introspectionResolver.clientAuthentication.clientId',
    );
  });

  it('private_key_jwt needs an asymmetric algorithm and a key', () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' };
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey: key, algorithm: 'HS256' }),
      'introspectionResolver.clientAuthentication.algorithm',
    );
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', algorithm: 'ES256' }),
      'introspectionResolver.clientAuthentication.privateKey',
    );
  });

  it('private_key_jwt refuses, when built, a key it could only fail to sign with at the first call', async () => {
    const auth = (privateKey: unknown, algorithm = 'ES256') =>
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey, algorithm });
    const option = 'introspectionResolver.clientAuthentication.privateKey';
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = ec.privateKey.export({ format: 'jwk' });
    expect(auth(privateJwk)).not.toThrow();
    expectConfigError(auth(ec.publicKey.export({ format: 'jwk' })), option);
    expectConfigError(auth(privateJwk, 'RS256'), option);
    expectConfigError(auth(privateJwk, 'none'), 'introspectionResolver.clientAuthentication.algorithm');
    const webCrypto = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    expect(auth(webCrypto.privateKey)).not.toThrow();
    expectConfigError(auth(webCrypto.publicKey), option);
  });

  it('names the method when it is not one of the supported ones', () => {
    expectConfigError(
      buildWithAuth({ method: 'client_secret_jwt', clientId: 'rs', clientSecret: 's' }),
      'introspectionResolver.clientAuthentication.method',
    );
  });
});
