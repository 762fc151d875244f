import { fetchHttpClient, type HttpResponse } from '@rs/core';
import { SampleConfigError } from './config.js';

const TIMEOUT_MS = 5_000;
// A discovery document is a few kilobytes; @rs/core reads metadata within the same bound.
const MAX_DOCUMENT_BYTES = 64 * 1024;
const discoveryClient = fetchHttpClient();

/**
 * Reads `jwks_uri` from an authorization server's discovery document. The document must name exactly the
 * configured issuer (OpenID Connect Discovery §4.3), so a wrong URL cannot swap in another server's keys.
 */
export async function discoverJwksUrl(discoveryUrl: string, issuer: string): Promise<string> {
  const metadata = await fetchJson(discoveryUrl);
  if (metadata.issuer !== issuer) {
    throw new SampleConfigError(
      `the discovery document at ${discoveryUrl} names issuer ${JSON.stringify(metadata.issuer)}, ` +
        `but RS_ISSUER is ${JSON.stringify(issuer)}; they must be equal`,
    );
  }
  if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) {
    throw new SampleConfigError(`the discovery document at ${discoveryUrl} has no valid jwks_uri`);
  }
  return metadata.jwks_uri;
}

// Through core's HTTP client, as @rs/core reads metadata: a redirect is not followed (it could lead to
// plain http, or elsewhere) but answered as the status it is, and the body is bounded.
async function fetchJson(url: string): Promise<Record<string, unknown>> {
  let response: HttpResponse;
  try {
    response = await discoveryClient.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      timeoutMs: TIMEOUT_MS,
      maxResponseBytes: MAX_DOCUMENT_BYTES,
    });
  } catch (error) {
    throw new SampleConfigError(`cannot fetch the discovery document at ${url}: ${reason(error)}`);
  }
  if (response.status !== 200) {
    const redirect = response.status >= 300 && response.status < 400;
    throw new SampleConfigError(
      `the discovery document at ${url} answered HTTP ${response.status}` +
        (redirect ? ' (a redirect, not followed: give the URL it leads to)' : ''),
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw new SampleConfigError(`the discovery document at ${url} is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SampleConfigError(`the discovery document at ${url} is not a JSON object`);
  }
  return body as Record<string, unknown>;
}

// The innermost cause says what went wrong (ENOTFOUND, ECONNREFUSED); core's own message says it otherwise
// (a timeout, a body too large).
function reason(error: unknown): string {
  let innermost = error;
  while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
  return innermost instanceof Error ? innermost.message : String(innermost);
}
