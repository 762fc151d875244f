import type { Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';

/** The scopes the sample API understands; oidc-provider silently drops requested scopes it does not list. */
export const API_SCOPES = ['read', 'write', 'admin'] as const;

/** Spelled out, though they are oidc-provider's defaults, because the URLs handed to clients are built from them. */
export const PROVIDER_ROUTES = { jwks: '/jwks', token: '/token' } as const;

export interface ProviderSettings {
  /** The API's resource indicator (RFC 8707), which becomes the tokens' `aud`. */
  readonly resource: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly jwks: { keys: JWK[] };
}

/**
 * An authorization server that knows one API and one machine client, and issues it RFC 9068 JWT access
 * tokens signed with ES256.
 */
export function providerConfiguration(settings: ProviderSettings, invalidTarget: () => Error): Configuration {
  const { resource } = settings;
  return {
    clients: [
      {
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        // oidc-provider 9 accepts client_secret_post as well from a client registered for basic.
        token_endpoint_auth_method: 'client_secret_basic',
        scope: API_SCOPES.join(' '),
      },
    ],
    jwks: settings.jwks,
    routes: { ...PROVIDER_ROUTES },
    scopes: [...API_SCOPES],
    // A machine-to-machine server only: no authorization endpoint flows, shared-secret client authentication.
    responseTypes: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    ttl: { ClientCredentials: 10 * 60 },
    features: {
      // No end users here; the default development login pages would only add a warning.
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // For opaque tokens: oidc-provider refuses to introspect or revoke the JWT access tokens it issues.
      introspection: { enabled: true, allowedPolicy: sameClientOrConfidential },
      revocation: { enabled: true, allowedPolicy: sameClient },
      resourceIndicators: {
        enabled: true,
        // Without a `resource` parameter the token would be opaque and audience-less: default to the API.
        defaultResource: () => resource,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string) => {
          if (indicator !== resource) throw invalidTarget();
          return {
            scope: API_SCOPES.join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 10 * 60,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  };
}

interface TokenOwner {
  readonly clientId?: string | undefined;
}

interface Caller {
  readonly clientId: string;
  readonly clientAuthMethod?: string | undefined;
}

// Resource servers introspect with their own confidential credentials; a public client only its own tokens.
function sameClientOrConfidential(_ctx: KoaContextWithOIDC, caller: Caller, token: TokenOwner): boolean {
  return caller.clientAuthMethod !== 'none' || token.clientId === caller.clientId;
}

// Only the client a token was issued to may revoke it.
function sameClient(_ctx: KoaContextWithOIDC, caller: Caller, token: TokenOwner): boolean {
  return token.clientId === caller.clientId;
}
