import {
  type AccessTokenResolver,
  introspectionResolver,
  jwtResolver,
  remoteJwks,
  type TokenCache,
  tokenCache,
} from '@rs/core';

/** How long `/rs-introspect-cache` trusts an introspection answer: a revoked token works that long at most. */
export const INTROSPECTION_CACHE_TTL_MS = 60_000;

/** Whom the JWT routes trust: the tokens' issuer, the API's identifier there, and the issuer's keys. */
export interface JwtSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

/** How the introspection routes ask the authorization server about opaque tokens (RFC 7662). */
export interface IntrospectionSettings {
  /** The authorization server: introspection answers naming another `iss` are refused. */
  readonly issuer: string;
  /** The introspection endpoint; absent, it is discovered from the issuer's metadata. */
  readonly endpoint?: string;
  /** The `aud` an introspection answer must contain. */
  readonly audience: string;
  /** The API's own credentials at the authorization server (client_secret_basic). */
  readonly clientId: string;
  readonly clientSecret: string;
}

export function jwtRoutesResolver(settings: JwtSettings): AccessTokenResolver {
  return jwtResolver({
    issuer: settings.issuer,
    audience: settings.audience,
    keys: remoteJwks({ url: settings.jwksUrl }),
    profile: 'rfc9068',
  });
}

/** The two introspection resolvers: one asks on every request, the other is the same one behind a cache. */
export interface IntrospectionResolvers {
  readonly perRequest: AccessTokenResolver;
  readonly cached: TokenCache;
}

export function introspectionRoutesResolvers(settings: IntrospectionSettings): IntrospectionResolvers {
  const introspection = introspectionResolver({
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    issuer: settings.issuer,
    audience: settings.audience,
    clientAuthentication: {
      method: 'client_secret_basic',
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
    },
  });
  return {
    perRequest: introspection,
    cached: tokenCache(introspection, { ttl: INTROSPECTION_CACHE_TTL_MS }),
  };
}
