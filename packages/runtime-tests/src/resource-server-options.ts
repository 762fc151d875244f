import { introspectionResolver, jwtResolver, type ResourceServerOptions, remoteJwks } from '@rs/core';
import type { RuntimeAppConfig } from './app-config.js';

/**
 * The three resource servers every app under test protects its routes with, built from the same
 * options whatever the adapter: JWTs checked with keys fetched over HTTP, opaque tokens introspected at
 * a real authorization server, and DPoP-bound JWTs.
 */
export interface RuntimeResourceServers {
  readonly jwt: ResourceServerOptions;
  readonly introspection: ResourceServerOptions;
  readonly dpop: ResourceServerOptions;
}

/** The app's routes: path, method and the scopes each requires. */
export const RUNTIME_ROUTES = [
  { server: 'jwt', method: 'GET', path: '/jwt/items', policy: { scopes: ['read'] } },
  { server: 'jwt', method: 'POST', path: '/jwt/items', policy: { scopes: ['write'] } },
  { server: 'jwt', method: 'GET', path: '/jwt/any', policy: { scopes: { anyOf: ['admin', 'read'] } } },
  { server: 'introspection', method: 'GET', path: '/introspection/items', policy: { scopes: ['read'] } },
  { server: 'dpop', method: 'GET', path: '/dpop/items', policy: { scopes: ['read'] } },
] as const;

export function runtimeResourceServers(config: RuntimeAppConfig): RuntimeResourceServers {
  const jwt = jwtResolver({
    issuer: config.issuer,
    audience: config.audience,
    keys: remoteJwks({ url: config.jwksUri, minFetchInterval: 0 }),
    profile: 'rfc9068',
  });
  const shared = { realm: 'runtime', requireHttps: false } as const;
  return {
    jwt: {
      ...shared,
      resolver: jwt,
      tokenLocations: { authorizationHeader: true, query: true, formBody: true },
    },
    introspection: {
      ...shared,
      resolver: introspectionResolver({
        endpoint: config.introspection.endpoint,
        issuer: config.introspection.issuer,
        audience: config.introspection.audience,
        clientAuthentication: {
          method: 'client_secret_basic',
          clientId: config.introspection.clientId,
          clientSecret: config.introspection.clientSecret,
        },
        retries: 0,
      }),
    },
    dpop: { ...shared, resolver: jwt, dpop: true },
  };
}

/** What a protected route answers: the parts of the context the tests compare. */
export function contextEcho(context: {
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly scopes: ReadonlySet<string>;
  readonly location: string;
  readonly scheme: string;
}) {
  return {
    subject: context.subject,
    clientId: context.clientId,
    scopes: [...context.scopes].sort(),
    location: context.location,
    scheme: context.scheme,
    runtime: runtimeName(),
  };
}

/** Which runtime answered, so a test can tell that the child process, not Node, served it. */
export function runtimeName(): string {
  const global = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (global.Bun !== undefined) return 'bun';
  if (global.Deno !== undefined) return 'deno';
  return global.navigator?.userAgent ?? 'unknown';
}
