import { portOf } from '../config.js';

/** Ports of the https listeners: the API's `/mtls-certificate`, and the embedded server's token endpoint. */
export interface TlsPorts {
  readonly tlsPort: number;
  readonly asTlsPort: number;
}

/** `TLS_PORT` (default 9443) and `AS_TLS_PORT` (default 9444). */
export function parseTlsPorts(env: Readonly<Record<string, string | undefined>>): TlsPorts {
  return { tlsPort: portOf(env, 'TLS_PORT', 9443), asTlsPort: portOf(env, 'AS_TLS_PORT', 9444) };
}
