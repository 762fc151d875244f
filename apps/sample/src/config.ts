/** Both servers stay on loopback: the API runs without HTTPS, which is acceptable only there. */
export const HOST = '127.0.0.1';

/** Where trust comes from: the embedded authorization server, or an external one given by environment. */
export type TrustSource =
  | { readonly kind: 'embedded'; readonly port: number }
  | {
      readonly kind: 'external';
      readonly issuer: string;
      readonly audience: string;
      /** The JWK set URL, or else the discovery document to read it from. */
      readonly keys: { readonly jwksUrl: string } | { readonly discoveryUrl: string };
      /** The API's credentials for introspecting opaque tokens; absent, the introspection routes are off. */
      readonly introspection?: ExternalIntrospection;
    };

export interface ExternalIntrospection {
  /** Absent: discovered from the issuer's metadata. */
  readonly endpoint?: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface SampleConfig {
  readonly port: number;
  readonly trust: TrustSource;
}

/** A setting that prevents start-up, with a message meant for the operator. */
export class SampleConfigError extends Error {
  override readonly name = 'SampleConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;
const EXTERNAL_ONLY = [
  'RS_AUDIENCE',
  'RS_JWKS_URL',
  'RS_DISCOVERY_URL',
  'RS_INTROSPECTION_URL',
  'RS_INTROSPECTION_CLIENT_ID',
  'RS_INTROSPECTION_CLIENT_SECRET',
] as const;

/** Reads the sample's settings from the environment; throws {@link SampleConfigError} on any bad one. */
export function parseConfig(env: Env): SampleConfig {
  const port = portOf(env, 'PORT', 9401);
  const issuer = nonEmpty(env, 'RS_ISSUER');
  if (issuer === undefined) {
    const stray = EXTERNAL_ONLY.filter((name) => nonEmpty(env, name) !== undefined);
    if (stray.length > 0) {
      const verb = stray.length === 1 ? 'applies' : 'apply';
      throw new SampleConfigError(
        `${stray.join(', ')} ${verb} only to an external server: set RS_ISSUER as well`,
      );
    }
    return { port, trust: { kind: 'embedded', port: portOf(env, 'AS_PORT', 9400) } };
  }
  absoluteUrl(issuer, 'RS_ISSUER');
  const audience = nonEmpty(env, 'RS_AUDIENCE');
  if (audience === undefined) throw new SampleConfigError('RS_AUDIENCE is required when RS_ISSUER is set');
  const introspection = introspectionOf(env, issuer);
  return {
    port,
    trust: {
      kind: 'external',
      issuer,
      audience,
      keys: keysOf(env, issuer),
      ...(introspection && { introspection }),
    },
  };
}

// The credentials make the routes; the URL alone cannot, and is otherwise discovered from the issuer.
function introspectionOf(env: Env, issuer: string): ExternalIntrospection | undefined {
  const endpoint = nonEmpty(env, 'RS_INTROSPECTION_URL');
  const clientId = nonEmpty(env, 'RS_INTROSPECTION_CLIENT_ID');
  const clientSecret = nonEmpty(env, 'RS_INTROSPECTION_CLIENT_SECRET');
  if (clientId === undefined && clientSecret === undefined) {
    if (endpoint === undefined) return undefined;
    throw new SampleConfigError(
      'RS_INTROSPECTION_URL needs RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET',
    );
  }
  if (clientId === undefined || clientSecret === undefined) {
    throw new SampleConfigError('set both RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET');
  }
  // Discovered from, and checked against, the issuer (as @rs/core requires), so it is held to the same rule.
  secureUrl(issuer, 'RS_ISSUER (for introspection)');
  return {
    ...(endpoint !== undefined && { endpoint: secureUrl(endpoint, 'RS_INTROSPECTION_URL') }),
    clientId,
    clientSecret,
  };
}

function keysOf(env: Env, issuer: string): { jwksUrl: string } | { discoveryUrl: string } {
  const jwksUrl = nonEmpty(env, 'RS_JWKS_URL');
  const discoveryUrl = nonEmpty(env, 'RS_DISCOVERY_URL');
  if (jwksUrl !== undefined && discoveryUrl !== undefined) {
    throw new SampleConfigError('set RS_JWKS_URL or RS_DISCOVERY_URL, not both');
  }
  if (jwksUrl !== undefined) return { jwksUrl: secureUrl(jwksUrl, 'RS_JWKS_URL') };
  if (discoveryUrl !== undefined) return { discoveryUrl: secureUrl(discoveryUrl, 'RS_DISCOVERY_URL') };
  // OpenID Connect Discovery appends the well-known path to the issuer, path included.
  const derived = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  return { discoveryUrl: secureUrl(derived, 'RS_ISSUER (for discovery)') };
}

export function portOf(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new SampleConfigError(`${name} must be a port number from 1 to 65535, not ${JSON.stringify(raw)}`);
  }
  return port;
}

function absoluteUrl(value: string, name: string): string {
  if (!URL.canParse(value))
    throw new SampleConfigError(`${name} must be an absolute URL, not ${JSON.stringify(value)}`);
  return value;
}

// Keys fetched (or tokens and credentials sent) over plain HTTP could be read or swapped on the way, except
// on this machine's loopback interface.
function secureUrl(value: string, name: string): string {
  const url = new URL(absoluteUrl(value, name));
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return value;
  throw new SampleConfigError(
    `${name} must be an https URL (plain http only on loopback), not ${JSON.stringify(value)}`,
  );
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
