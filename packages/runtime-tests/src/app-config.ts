/**
 * What the test process tells the app running in Bun, Deno or workerd: the loopback addresses of the
 * authorization server and JWK set it started, as JSON (an environment variable, or a workerd binding).
 */
export interface RuntimeAppConfig {
  /** The `iss` of the JWTs the test mints. */
  readonly issuer: string;
  /** The `aud` of those JWTs. */
  readonly audience: string;
  /** The JWK set the test serves over loopback HTTP; the app fetches it from inside the runtime. */
  readonly jwksUri: string;
  /** A real authorization server's introspection endpoint and a client allowed to use it. */
  readonly introspection: {
    readonly endpoint: string;
    readonly issuer: string;
    readonly audience: string;
    readonly clientId: string;
    readonly clientSecret: string;
  };
  /** The app's own base URL, as the client uses it: what DPoP proofs name in `htu`. */
  readonly publicUrl: string;
}

/** The one JSON text the app reads its configuration from. */
export function parseRuntimeAppConfig(text: string | undefined): RuntimeAppConfig {
  if (text === undefined || text === '') throw new Error('RS_APP_CONFIG is not set');
  return JSON.parse(text) as RuntimeAppConfig;
}
