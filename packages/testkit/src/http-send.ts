import type { ConformanceRequest, ConformanceResponse } from './conformance.js';

/** A conformance request, with any method. */
export interface HttpTestRequest extends Omit<ConformanceRequest, 'method'> {
  readonly method: string;
}

/** Sends a request over real HTTP with `fetch`; a form goes as `application/x-www-form-urlencoded`. */
export async function sendHttp(baseUrl: string, request: HttpTestRequest): Promise<ConformanceResponse> {
  const headers = new Headers(request.headers);
  let body: string | undefined;
  if (request.form !== undefined) {
    body = new URLSearchParams(request.form).toString();
    headers.set('content-type', 'application/x-www-form-urlencoded');
  }
  const response = await fetch(new URL(request.path, baseUrl), { method: request.method, headers, body });
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
