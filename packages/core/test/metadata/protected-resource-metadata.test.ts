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
    [{ resource: ' https://api.example.com' }, 'protectedResource.resource'],
    [
      { resource: 'https://api.example.com', authorizationServers: 'https://as' },
      'protectedResource.authorizationServers',
    ],
    [{ resource: 'https://api.example.com', scopesSupported: [''] }, 'protectedResource.scopesSupported'],
    [{ resource: 'https://api.example.com', resourse: 'x' }, 'protectedResource.resourse'],
  ])('refuses %j', (protectedResource, option) => {
    expectConfigError(() => server({ protectedResource: protectedResource as never }), option);
  });

  it.each([
    ['a javascript: URL', 'javascript:alert(document.cookie)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a file: URL', 'file:///etc/passwd'],
    ['plain http off loopback', 'http://docs.example.com/api'],
    ['a relative URL', '/docs'],
    ['white space around it', 'https://docs.example.com/api\n'],
    ['not a string', 42],
  ])('refuses resourceDocumentation as %s, which the document would publish to clients', (_, url) => {
    expectConfigError(
      () =>
        server({
          protectedResource: { resource: 'https://api.example.com', resourceDocumentation: url as string },
        }),
      'protectedResource.resourceDocumentation',
    );
  });

  it('refuses URLs with credentials and never repeats them', () => {
    const documentation = expectConfigError(
      () =>
        server({
          protectedResource: {
            resource: 'https://api.example.com',
            resourceDocumentation: 'https://wiki-bot:S3cret-pass@docs.example.com/api',
          },
        }),
      'protectedResource.resourceDocumentation',
    );
    expect(documentation.message).toContain('credentials');
    expect(documentation.message).not.toContain('S3cret-pass');

    const issuers = expectConfigError(
      () =>
        server({
          protectedResource: {
            resource: 'https://api.example.com',
            authorizationServers: ['https://as.example.com', 'https://admin:Hunter2-secret@as.example.com'],
          },
        }),
      'protectedResource.authorizationServers',
    );
    expect(issuers.message).toContain('entry 1 must not carry credentials');
    expect(issuers.message).not.toContain('Hunter2-secret');
    expect(issuers.message).not.toContain('admin');
  });

  it.each([
    ['white space around it', 'https://as.example.com '],
    ['a line break inside', 'https://as.example.com/t\nenant'],
    ['an upper-case host', 'https://AS.example.com'],
    ['a query', 'https://as.example.com/?tenant=a'],
    ['another scheme', 'ftp://as.example.com'],
    ['not a string', 42],
  ])('refuses an authorization server with %s: no client would find its metadata', (_, issuer) => {
    const error = expectConfigError(
      () =>
        server({
          protectedResource: {
            resource: 'https://api.example.com',
            authorizationServers: [issuer as string],
          },
        }),
      'protectedResource.authorizationServers',
    );
    expect(error.message).toContain('entry 0 ');
  });

  it.each([
    [
      'holes for authorization servers',
      { authorizationServers: new Array(2) },
      'protectedResource.authorizationServers',
    ],
    ['holes for scopes', { scopesSupported: new Array(2) }, 'protectedResource.scopesSupported'],
    ['a scope with a space', { scopesSupported: ['read', 'a b'] }, 'protectedResource.scopesSupported'],
    ['a scope with a quote', { scopesSupported: ['x"y'] }, 'protectedResource.scopesSupported'],
    ['a scope with a backslash', { scopesSupported: ['x\\y'] }, 'protectedResource.scopesSupported'],
    ['a non-ASCII scope', { scopesSupported: ['lire:données'] }, 'protectedResource.scopesSupported'],
    ['a resource name with a line break', { resourceName: 'a\nb' }, 'protectedResource.resourceName'],
    ['a resource name with a NUL', { resourceName: 'a\u0000b' }, 'protectedResource.resourceName'],
    [
      'a resource name with white space around it',
      { resourceName: 'My API ' },
      'protectedResource.resourceName',
    ],
    [
      'a resource with a zero-width space',
      { resource: 'https://api.example.com\u200b' },
      'protectedResource.resource',
    ],
  ])('refuses %s, which the document would publish as no client can read it', (_, extra, option) => {
    expectConfigError(
      () => server({ protectedResource: { resource: 'https://api.example.com', ...extra } as never }),
      option,
    );
  });

  it('publishes RFC 6749 scope-tokens and a human-readable name as given', () => {
    const rs = server({
      protectedResource: {
        resource: 'https://api.example.com',
        scopesSupported: ['read', 'https://api.example.com/items.write', "a!#[]^{}~'"],
        resourceName: 'Données API — v2',
      },
    });
    expect(rs.protectedResource?.document()).toMatchObject({
      scopes_supported: ['read', 'https://api.example.com/items.write', "a!#[]^{}~'"],
      resource_name: 'Données API — v2',
    });
  });

  it('publishes documentation and issuers exactly as given when they are sound', () => {
    const rs = server({
      protectedResource: {
        resource: 'https://api.example.com',
        authorizationServers: ['https://as.example.com/realms/Alpha/', 'http://127.0.0.1:9000'],
        resourceDocumentation: 'https://docs.example.com/api?version=2#authentication',
      },
    });
    expect(rs.protectedResource?.document()).toMatchObject({
      authorization_servers: ['https://as.example.com/realms/Alpha/', 'http://127.0.0.1:9000'],
      resource_documentation: 'https://docs.example.com/api?version=2#authentication',
    });
    const local = server({
      protectedResource: {
        resource: 'http://localhost:3000',
        resourceDocumentation: 'http://localhost:3000/docs',
      },
    });
    expect(local.protectedResource?.document().resource_documentation).toBe('http://localhost:3000/docs');
  });

  it.each([
    ['an upper-case host', 'https://API.example.com/v1'],
    ['an upper-case scheme', 'HTTPS://api.example.com/v1'],
    ['the default port', 'https://api.example.com:443/v1'],
    ['the default port of http', 'http://127.0.0.1:80/v1'],
    ['a ".." segment', 'https://api.example.com/a/../v1'],
    ['a "." segment', 'https://api.example.com/./v1'],
    ['a backslash, read as a slash', 'https://api.example.com/a\\b'],
    ['a quote', 'https://api.example.com/a"b'],
    ['an empty query', 'https://api.example.com/v1?'],
    ['an empty fragment', 'https://api.example.com/v1#'],
    ['an IPv6 address not in its shortest form', 'https://[0:0::1]:8443/v1'],
    ['an escaped unreserved character', 'https://api.example.com/%7Ev1'],
    ['an escape in lower case', 'https://api.example.com/a%2fb'],
  ])('refuses a resource with %s: its metadata URL would be built from another spelling', (_, resource) => {
    const error = expectConfigError(
      () => server({ protectedResource: { resource } }),
      'protectedResource.resource',
    );
    expect(error.message).not.toContain(resource);
  });

  it('says an invisible character is there rather than offering a spelling without it', () => {
    const error = expectConfigError(
      () => server({ protectedResource: { resource: 'https://api.example.com/v1\u200b' } }),
      'protectedResource.resource',
    );
    expect(error.message).toContain('printable ASCII');
    expect(error.message).not.toContain('write');
  });

  it.each([
    ['https://API.example.com/v1', 'https://api.example.com/v1'],
    ['https://api.example.com:443', 'https://api.example.com/'],
    ['https://[0:0:0:0:0:0:0:1]:8443/v1', 'https://[::1]:8443/v1'],
    ['https://api.example.com/%7euser/caf%c3%a9', 'https://api.example.com/~user/caf%C3%A9'],
    ['https://bücher.example/café', 'https://xn--bcher-kva.example/caf%C3%A9'],
    // A "%" that begins no escape, which routers fail to decode, and characters no RFC 3986 path holds.
    ['https://api.example.com/a%ZZ', 'https://api.example.com/a%25ZZ'],
    ['https://api.example.com/a%', 'https://api.example.com/a%25'],
    ['https://api.example.com/a|b^c[d]', 'https://api.example.com/a%7Cb%5Ec%5Bd%5D'],
  ])('refuses the resource %s, saying to write %s', (resource, normal) => {
    const error = expectConfigError(
      () => server({ protectedResource: { resource } }),
      'protectedResource.resource',
    );
    expect(error.message).toContain(`write ${normal}`);
    const rs = server({ protectedResource: { resource: normal } });
    expect(rs.protectedResource?.document().resource).toBe(normal);
  });

  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/v1/', 'https://api.example.com/.well-known/oauth-protected-resource/v1/'],
    ['https://[::1]:8443/v1', 'https://[::1]:8443/.well-known/oauth-protected-resource/v1'],
    [
      'https://api.example.com/~v1/a%2Fb',
      'https://api.example.com/.well-known/oauth-protected-resource/~v1/a%2Fb',
    ],
  ])('accepts the resource %s in normal form, published as given', (resource, metadataUrl) => {
    const rs = server({ protectedResource: { resource } });
    expect(rs.protectedResource?.metadataUrl).toBe(metadataUrl);
    expect(rs.protectedResource?.document().resource).toBe(resource);
  });

  it('accepts http: on a loopback host, for local development', () => {
    const rs = server({ protectedResource: { resource: 'http://127.0.0.1:9401' } });
    expect(rs.protectedResource?.metadataUrl).toBe(
      'http://127.0.0.1:9401/.well-known/oauth-protected-resource',
    );
  });
});
