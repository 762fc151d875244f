import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';

/** The scopes the sample API understands; oidc-provider silently drops requested scopes it does not list. */
export const API_SCOPES = ['read', 'write', 'admin'] as const;

/**
 * Spelled out, though they are oidc-provider's defaults, because the URLs handed to clients and to the API
 * are built from them.
 */
export const PROVIDER_ROUTES = {
  jwks: '/jwks',
  token: '/token',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
} as const;

/** A client registered with a shared secret. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ProviderSettings {
  /** The API's resource indicator (RFC 8707) for JWT access tokens, which becomes their `aud`. */
  readonly resource: string;
  /** A second indicator of the same API, for which the tokens are opaque and validated by introspection. */
  readonly opaqueResource: string;
  /** The machine client that gets tokens (client credentials grant). */
  readonly client: ClientCredentials;
  /**
   * A machine client whose tokens are bound to the TLS client certificate it presents at the token
   * endpoint's https listener (RFC 8705 `cnf.x5t#S256`).
   */
  readonly mtlsClient: ClientCredentials;
  /** The API itself, as a client of the authorization server that may only introspect. */
  readonly resourceServer: ClientCredentials;
  readonly jwks: { keys: JWK[] };
}

/**
 * An authorization server that knows one API (under two resource indicators: one for RFC 9068 JWT access
 * tokens signed with ES256, one for opaque tokens), one machine client, and the API's own client for
 * introspection.
 */
export function providerConfiguration(settings: ProviderSettings, invalidTarget: () => Error): Configuration {
  const { resource, opaqueResource, client, mtlsClient, resourceServer } = settings;
  const scope = API_SCOPES.join(' ');
  return {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        // oidc-provider 9 accepts client_secret_post as well from a client registered for basic.
        token_endpoint_auth_method: 'client_secret_basic',
        scope,
      },
      {
        client_id: mtlsClient.clientId,
        client_secret: mtlsClient.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // Its tokens carry cnf.x5t#S256; without a client certificate it gets none (invalid_grant).
        tls_client_certificate_bound_access_tokens: true,
        scope,
      },
      {
        // No grant at all: this client only authenticates to the introspection endpoint.
        client_id: resourceServer.clientId,
        client_secret: resourceServer.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
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
      // Any client may ask for a DPoP-bound token (cnf.jkt) by sending a DPoP proof to the token endpoint.
      dPoP: { enabled: true },
      mTLS: { enabled: true, certificateBoundAccessTokens: true, getCertificate: tlsClientCertificate },
      // Both work on opaque tokens only: oidc-provider refuses to introspect or revoke its JWT access tokens
      // (400 unsupported_token_type).
      introspection: {
        enabled: true,
        // Only the API may learn what a token grants, and only of tokens issued to the sample client.
        allowedPolicy: (_ctx: KoaContextWithOIDC, caller: Caller, token: TokenOwner) =>
          caller.clientId === resourceServer.clientId && token.clientId === client.clientId,
      },
      revocation: { enabled: true, allowedPolicy: sameClient },
      resourceIndicators: {
        enabled: true,
        // Without a `resource` parameter the token would be opaque and audience-less: default to the API.
        defaultResource: () => resource,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string) => {
          const common = { scope, audience: indicator, accessTokenTTL: 10 * 60 };
          if (indicator === resource) {
            return { ...common, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
          }
          if (indicator === opaqueResource) return { ...common, accessTokenFormat: 'opaque' };
          throw invalidTarget();
        },
      },
    },
  };
}

/**
 * The certificate the client presented on the token endpoint's https listener. The chain is not judged
 * (RFC 8705 §3 binds tokens to self-signed certificates too); plain HTTP requests have none.
 */
function tlsClientCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  const raw: Buffer | undefined = socket.getPeerCertificate()?.raw;
  return raw === undefined || raw.length === 0 ? undefined : new X509Certificate(raw);
}

interface TokenOwner {
  readonly clientId?: string | undefined;
}

interface Caller {
  readonly clientId: string;
}

// Only the client a token was issued to may revoke it.
function sameClient(_ctx: KoaContextWithOIDC, caller: Caller, token: TokenOwner): boolean {
  return token.clientId === caller.clientId;
}
