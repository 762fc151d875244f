import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConformanceResponse } from './conformance/driver.js';

/** What the client presents and trusts on a TLS test request. */
export interface HttpsClientTls {
  /** The CA that signed the server certificate. */
  readonly ca: string;
  /** A client certificate and its key, or none at all. */
  readonly cert?: string | undefined;
  /** The private key of `cert`, PEM. */
  readonly key?: string | undefined;
}

/** A request as `node:http` sends it; a header given as an array goes as one field line per value. */
export interface NodeSendInit {
  /** The request method. Default `GET`. */
  readonly method?: string;
  /** Header fields by name; an array is sent as one field line per value. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** The body, sent as is. */
  readonly body?: string | Uint8Array<ArrayBuffer>;
}

/**
 * Sends a request over real TLS with `node:https`: `fetch` cannot present a client certificate without
 * undici's Agent, which the adapters do not depend on. No connection reuse, so every request is a fresh
 * handshake with the certificate given.
 */
export function sendHttps(
  url: string,
  tls: HttpsClientTls,
  init: NodeSendInit = {},
): Promise<ConformanceResponse> {
  return sendWithNode(url, init, tls);
}

/**
 * Sends a request with `node:http` (or `node:https` for an https URL, with `tls`). Unlike `fetch`, it
 * sends a repeated header as separate field lines, as a client or proxy may.
 */
export function sendWithNode(
  url: string,
  init: NodeSendInit,
  tls?: HttpsClientTls,
): Promise<ConformanceResponse> {
  const secure = new URL(url).protocol === 'https:';
  return new Promise((resolve, reject) => {
    const options = {
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string | string[]> | undefined,
      agent: false as const,
    };
    const onResponse = (response: import('node:http').IncomingMessage) => {
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
    };
    const outgoing = secure
      ? httpsRequest(url, { ...options, ca: tls?.ca, cert: tls?.cert, key: tls?.key }, onResponse)
      : httpRequest(url, options, onResponse);
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
