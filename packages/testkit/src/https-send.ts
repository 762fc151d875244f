import { request } from 'node:https';
import type { ConformanceResponse } from './conformance.js';

/** What the client presents and trusts on a TLS test request. */
export interface HttpsClientTls {
  /** The CA that signed the server certificate. */
  readonly ca: string;
  /** A client certificate and its key, or none at all. */
  readonly cert?: string;
  readonly key?: string;
}

/**
 * Sends a request over real TLS with `node:https`: `fetch` cannot present a client certificate without
 * undici's Agent, which the adapters do not depend on. No connection reuse, so every request is a fresh
 * handshake with the certificate given.
 */
export function sendHttps(
  url: string,
  tls: HttpsClientTls,
  init: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  } = {},
): Promise<ConformanceResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: response.statusCode ?? 0, headers, body: parseBody(text) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
