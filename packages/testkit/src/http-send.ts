import { request as httpRequest } from 'node:http';
import { type ConformanceRequest, type ConformanceResponse, conformanceBody } from './conformance/driver.js';
import { sendWithNode } from './https-send.js';

/** A conformance request, with any method. */
export interface HttpTestRequest extends Omit<ConformanceRequest, 'method'> {
  /** Any request method, including ones the conformance routes do not answer (`PUT`, `OPTIONS`). */
  readonly method: string;
}

/**
 * Sends a request over real HTTP; a form goes as `application/x-www-form-urlencoded` (a coded one as its
 * bytes, with its `Content-Encoding`: see `conformanceBody`). Plain requests
 * go with `fetch`. A request with a repeated header, to an https URL (trusting `ca`), or presenting a
 * client certificate goes with `node:http(s)`, which sends each repeated value as its own field line
 * (`fetch` would join them into one) and can present a certificate.
 */
export async function sendHttp(
  baseUrl: string,
  request: HttpTestRequest,
  ca?: string,
): Promise<ConformanceResponse> {
  const url = new URL(request.path, baseUrl);
  const sent = conformanceBody(request);
  const headers: Record<string, string | readonly string[]> = { ...request.headers, ...sent?.headers };
  const body = sent?.body;
  const repeated = Object.values(headers).some((value) => typeof value !== 'string');
  if (repeated || url.protocol === 'https:' || request.clientCertificate !== undefined) {
    const certificate = request.clientCertificate;
    const tls = ca === undefined ? undefined : { ca, cert: certificate?.pem, key: certificate?.keyPem };
    return sendWithNode(
      url.href,
      { method: request.method, headers, ...(body === undefined ? {} : { body }) },
      tls,
    );
  }
  const response = await fetch(url, {
    method: request.method,
    headers: headers as Record<string, string>,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), body: parseBody(text) };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Sends a GET whose request-target is in absolute-form (`GET http://127.0.0.1:8080/items HTTP/1.1`, RFC
 * 9112 §3.2.2), as a client talking to a proxy does, and answers its status. `fetch` always sends the
 * origin-form, so this goes with `node:http`.
 */
export function getInAbsoluteForm(
  baseUrl: string,
  path: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<number> {
  const target = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: target.hostname, port: target.port, method: 'GET', path: target.href, headers },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

/**
 * GETs `path` from the server at `baseUrl` with the `Host` header set to `host`, which may be anything a
 * client can write (`api?x=`, `api/x`): Node's client checks a header value for control characters only.
 * Resolves to the status and the answer's headers.
 */
export function getWithHost(
  baseUrl: string,
  path: string,
  host: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const server = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: server.hostname, port: server.port, method: 'GET', path, headers: { ...headers, host } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}
