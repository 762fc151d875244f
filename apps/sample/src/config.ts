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
    };

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
const EXTERNAL_ONLY = ['RS_AUDIENCE', 'RS_JWKS_URL', 'RS_DISCOVERY_URL'] as const;

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
  return { port, trust: { kind: 'external', issuer, audience, keys: keysOf(env, issuer) } };
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

function portOf(env: Env, name: string, fallback: number): number {
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

// Keys fetched over plain HTTP could be swapped on the way, except on this machine's loopback interface.
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
