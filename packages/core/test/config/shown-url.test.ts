import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { shownUrl } from '../../src/config/shown-url.js';
import { createResourceServer, introspectionResolver, jwtResolver, remoteJwks } from '../../src/index.js';
import { AUDIENCE, bearerRequest, mint } from '../helpers.js';

// A query in a configured URL may carry an API key: messages, the default console reporter and
// status() (which feeds health endpoints) show the URL without it.
const SECRET = 'S3CR3T-QUERY-VALUE';

describe('shownUrl', () => {
  it('keeps scheme, host, port and path, and puts ?… in place of a query', () => {
    expect(shownUrl(`https://as.example.com/jwks?api_key=${SECRET}`)).toBe('https://as.example.com/jwks?…');
    expect(shownUrl('http://127.0.0.1:8080/oauth2/introspect')).toBe(
      'http://127.0.0.1:8080/oauth2/introspect',
    );
    expect(shownUrl(`https://as.example.com:8443/keys?code=${SECRET}#frag`)).toBe(
      'https://as.example.com:8443/keys?…',
    );
    expect(shownUrl(`https://user:${SECRET}@as.example.com/`)).toBe('https://as.example.com/');
    expect(shownUrl('not a url')).toBe('a URL that does not parse');
  });
});

describe('a configured URL with a query, as errors and status() show it', () => {
  let key: TestSigningKey;
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    key = await generateSigningKey('ES256');
    // Answers 404 to everything: a wrong JWK set URL, a wrong introspection endpoint.
    server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => vi.restoreAllMocks());

  it('the default JWK set reporter and status() leave the query out', async () => {
    // Observing what @rs writes to console.error (and keeping it out of the test log).
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const keys = remoteJwks({ url: `${origin}/jwks?api_key=${SECRET}`, retryDelay: 1, maxRetryDelay: 1 });
    const rs = createResourceServer({ resolver: jwtResolver({ issuer: origin, audience: AUDIENCE, keys }) });
    const token = await mint(key, { iss: origin });

    const result = await rs.authenticate(bearerRequest(token));
    expect(result.ok).toBe(false);
    expect(written).toHaveBeenCalledTimes(1);
    const line = String(written.mock.calls[0]?.[0]);
    expect(line).toContain(`${origin}/jwks?…`);
    expect(line).not.toContain(SECRET);
    const status = JSON.stringify(rs.status());
    expect(status).toContain(`${origin}/jwks?…`);
    expect(status).not.toContain(SECRET);
  });

  it('introspection errors and status() leave the query out', async () => {
    const errors: Error[] = [];
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: `${origin}/introspect?code=${SECRET}`,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
      onError: (error) => errors.push(error),
    });
    const rs = createResourceServer({ resolver });

    const result = await rs.authenticate(bearerRequest('an-opaque-token'));
    expect(result.ok).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(`${origin}/introspect?…`);
    expect(errors[0]?.message).not.toContain(SECRET);
    expect(JSON.stringify(rs.status())).not.toContain(SECRET);
  });

  it('a network failure leaves the query out too', async () => {
    const errors: Error[] = [];
    // Nothing listens on this port once the server is closed.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const resolver = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: `http://127.0.0.1:${port}/introspect?code=${SECRET}`,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
      onError: (error) => errors.push(error),
      timeout: 2_000,
    });
    const result = await createResourceServer({ resolver }).authenticate(bearerRequest('an-opaque-token'));
    expect(result.ok).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(`${error.message} ${String(error.cause)}`).not.toContain(SECRET);
  });
});
