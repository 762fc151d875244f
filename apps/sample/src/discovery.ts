import { SampleConfigError } from './config.js';

const TIMEOUT_MS = 5_000;

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

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new SampleConfigError(`cannot fetch the discovery document at ${url}: ${reason(error)}`);
  }
  if (response.status !== 200) {
    throw new SampleConfigError(`the discovery document at ${url} answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new SampleConfigError(`the discovery document at ${url} is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SampleConfigError(`the discovery document at ${url} is not a JSON object`);
  }
  return body as Record<string, unknown>;
}

// fetch reports network failures as "fetch failed" and keeps the useful part in `cause`.
function reason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return String(cause instanceof Error ? cause.message : error instanceof Error ? error.message : error);
}
