import { describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  protectedResourceMetadataUrl,
  type ResourceServerOptions,
} from '../../src/index.js';
import { expectConfigError, expectRejected } from '../helpers.js';

// Never asked: the document and challenges are built without resolving a token.
const resolver: AccessTokenResolver = { resolve: () => Promise.reject(new Error('not called')) };

function server(options: Partial<ResourceServerOptions>) {
  return createResourceServer({ resolver, ...options });
}

describe('the well-known URL (RFC 9728 §3.1)', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/v1', 'https://api.example.com/.well-known/oauth-protected-resource/v1'],
    [
      'https://api.example.com:8443/a/b/',
      'https://api.example.com:8443/.well-known/oauth-protected-resource/a/b/',
    ],
  ])('%s publishes at %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url);
  });
});

describe('the document', () => {
  it('reports what the resource server enforces', () => {
    const rs = server({
      protectedResource: {
        resource: 'https://api.example.com/v1',
        authorizationServers: ['https://as.example.com'],
        resourceDocumentation: 'https://docs.example.com/api',
        resourceName: 'Example API',
      },
      tokenLocations: { authorizationHeader: true, query: true },
      dpop: { algorithms: ['ES256', 'EdDSA'] },
      policy: { scopes: ['read'] },
    });
    rs.checkPolicy({ scopes: { anyOf: ['write', 'admin'] } }, 'route');
    rs.checkPolicy({ scopes: () => ['computed'] }, 'route');
    expect(rs.protectedResource?.metadataPath).toBe('/.well-known/oauth-protected-resource/v1');
    expect(rs.protectedResource?.document()).toEqual({
      resource: 'https://api.example.com/v1',
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['read', 'write', 'admin'],
      bearer_methods_supported: ['header', 'query'],
      resource_documentation: 'https://docs.example.com/api',
      resource_name: 'Example API',
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: false,
    });
  });

  it('says DPoP-bound and certificate-bound tokens are required or supported', () => {
    const dpopOnly = server({
      protectedResource: { resource: 'https://api.example.com', scopesSupported: ['a'] },
      dpop: true,
      requireSenderConstrained: 'dpop',
    });
    expect(dpopOnly.protectedResource?.document()).toMatchObject({
      scopes_supported: ['a'],
      dpop_bound_access_tokens_required: true,
      tls_client_certificate_bound_access_tokens: false,
    });
    const mtls = server({
      protectedResource: { resource: 'https://api.example.com' },
      requireSenderConstrained: 'mtls',
    });
    const document = mtls.protectedResource?.document();
    expect(document).toMatchObject({ tls_client_certificate_bound_access_tokens: true });
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported');
    expect(document).not.toHaveProperty('scopes_supported');
  });

  it('names its URL in every challenge, unless told not to', async () => {
    const rs = server({ realm: 'api', protectedResource: { resource: 'https://api.example.com/v1' } });
    const rejection = expectRejected(
      await rs.authenticate({ method: 'GET', url: 'https://api.example.com/v1/x', headers: {} }),
      'token_missing',
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"',
    );
    const quiet = server({ protectedResource: { resource: 'https://api.example.com', challenge: false } });
    const plain = expectRejected(
      await quiet.authenticate({ method: 'GET', url: 'https://api.example.com/x', headers: {} }),
      'token_missing',
    );
    expect(plain.wwwAuthenticate).toBe('Bearer');
  });
});

describe('configuration', () => {
  it.each([
    [{ resource: 'api.example.com' }, 'protectedResource.resource'],
    [{ resource: 'http://api.example.com' }, 'protectedResource.resource'],
    [{ resource: 'https://api.example.com/?a=1' }, 'protectedResource.resource'],
    [{ resource: 'https://api.example.com/#f' }, 'protectedResource.resource'],
    [{ resource: 'https://u:p@api.example.com/' }, 'protectedResource.resource'],
    [
      { resource: 'https://api.example.com', authorizationServers: 'https://as' },
      'protectedResource.authorizationServers',
    ],
    [{ resource: 'https://api.example.com', scopesSupported: [''] }, 'protectedResource.scopesSupported'],
    [{ resource: 'https://api.example.com', resourse: 'x' }, 'protectedResource.resourse'],
  ])('refuses %j', (protectedResource, option) => {
    expectConfigError(() => server({ protectedResource: protectedResource as never }), option);
  });

  it('accepts http: on a loopback host, for local development', () => {
    const rs = server({ protectedResource: { resource: 'http://127.0.0.1:9401' } });
    expect(rs.protectedResource?.metadataUrl).toBe(
      'http://127.0.0.1:9401/.well-known/oauth-protected-resource',
    );
  });
});
