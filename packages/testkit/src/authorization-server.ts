import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type EncryptedAnswersClient,
  type PrivateKeyJwtClient,
  type SecretClient,
  TEST_AS_CLAIMS_HEADER,
  TEST_AS_RESOURCES,
  TEST_AS_ROUTES,
  TEST_AS_TTL_HEADER,
  testAsClients,
  testAsConfiguration,
} from './authorization-server-configuration.js';

export type {
  EncryptedAnswersClient,
  PrivateKeyJwtClient,
  SecretClient,
} from './authorization-server-configuration.js';

/** Options of {@link startTestAuthorizationServer}. */
export interface TestAuthorizationServerOptions {
  /** The scopes the server grants. Default `read write admin`. */
  readonly scopes?: readonly string[];
  /** Lifetime of access tokens, in seconds, unless `issueToken` asks for another. Default 600. */
  readonly accessTokenTtl?: number;
  /**
   * Serve RFC 8414 metadata at `/.well-known/oauth-authorization-server`. oidc-provider serves it beside
   * `/.well-known/openid-configuration`; `false` answers 404 there, as OpenID-only servers do. Default `true`.
   */
  readonly oauthMetadata?: boolean;
}

/** A running oidc-provider issuing opaque access tokens, with its endpoints, clients and test controls. */
export interface TestAuthorizationServer {
  /** The issuer identifier, an `http://127.0.0.1:<port>` URL. */
  readonly issuer: string;
  /** The token endpoint's URL. */
  readonly tokenEndpoint: string;
  /** The RFC 7662 introspection endpoint's URL. */
  readonly introspectionEndpoint: string;
  /** The RFC 7009 revocation endpoint's URL. */
  readonly revocationEndpoint: string;
  /** The URL of the server's JWK set (the keys its JWT access tokens are signed with). */
  readonly jwksUri: string;
  /** Resource indicators: `opaque` tokens (the default) or RFC 9068 `jwt` tokens (not introspectable). */
  readonly resources: typeof TEST_AS_RESOURCES;
  /** The client that obtains (client_credentials) and revokes tokens. */
  readonly appClient: SecretClient;
  /** Resource servers allowed to introspect any token; the Basic one's id and secret need form-urlencoding. */
  readonly basicClient: SecretClient;
  /** A resource server that introspects with `client_secret_post`. */
  readonly postClient: SecretClient;
  /** A resource server that introspects with `private_key_jwt`. */
  readonly privateKeyJwtClient: PrivateKeyJwtClient;
  /** Gets RFC 9701 answers signed, then encrypted to `decryptionKey`. */
  readonly encryptedAnswersClient: EncryptedAnswersClient;
  /** POST requests that reached the introspection path, failed and delayed ones included. */
  readonly introspectionRequests: number;
  /** Paths of the `/.well-known/…` requests received, oldest first. */
  readonly metadataRequests: readonly string[];
  /**
   * A real access token from the token endpoint (client_credentials as `appClient`); `ttl` in seconds;
   * `claims` added to the token by the server (e.g. `acr`, `auth_time`), in JWTs and introspection answers.
   */
  issueToken(options?: {
    scope?: string;
    ttl?: number;
    resource?: string;
    claims?: Record<string, unknown>;
  }): Promise<string>;
  /** Revokes a token at the revocation endpoint (as `appClient`, the token's client). */
  revoke(token: string): Promise<void>;
  /**
   * Answer introspection requests with this status, body and content type (default: an HTML page) instead
   * of the server; `times` limits it to the next n requests.
   */
  failIntrospection(status: number, body?: string, contentType?: string, options?: { times?: number }): void;
  /** Hold every introspection request for `ms` before the server sees it. */
  delayIntrospection(ms: number): void;
  /** Undo `failIntrospection` and `delayIntrospection`. */
  recover(): void;
  /** Stops the server and closes its connections. */
  close(): Promise<void>;
}

const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
// oidc-provider 9 warns at import that it wants Node.js 22 (it runs on 20), and at construction that the
// in-memory adapter loses data on restart: both expected here, so only those two lines are dropped.
const EXPECTED_WARNINGS = ['Unsupported runtime', 'development-only in-memory adapter'];

/**
 * Starts a real authorization server (oidc-provider 9) on 127.0.0.1 with an ephemeral port. The socket is
 * bound first because the issuer, fixed when the provider is built, must carry the real port. A small HTTP
 * layer in front of `provider.callback()` counts, fails or delays introspection requests.
 *
 * @example
 * ```ts
 * const as = await startTestAuthorizationServer();
 * const token = await as.issueToken({ scope: 'read' });
 * // introspectionResolver({ endpoint: as.introspectionEndpoint, clientAuthentication: { method: 'client_secret_basic', ...as.basicClient } })
 * await as.close();
 * ```
 */
export async function startTestAuthorizationServer(
  options: TestAuthorizationServerOptions = {},
): Promise<TestAuthorizationServer> {
  const server = createServer();
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await mount(server, options);
  } catch (error) {
    await closeServer(server, new Set());
    throw error;
  }
}

async function mount(
  server: Server,
  options: TestAuthorizationServerOptions,
): Promise<TestAuthorizationServer> {
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = await testAsClients();
  const { default: Provider, errors } = await quietly(() => import('oidc-provider'));
  const configuration = await testAsConfiguration(clients, {
    scopes: options.scopes ?? ['read', 'write', 'admin'],
    ttl: options.accessTokenTtl ?? 600,
    invalidTarget: () => new errors.InvalidTarget(),
  });
  const handle = (await quietly(() => new Provider(issuer, configuration))).callback();

  let introspectionRequests = 0;
  const metadataRequests: string[] = [];
  let failure: { status: number; body: string; contentType: string; remaining: number } | undefined;
  let delayMs = 0;
  const timers = new Set<NodeJS.Timeout>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    if (path.startsWith('/.well-known/')) {
      metadataRequests.push(path);
      if (options.oauthMetadata === false && path.startsWith(OAUTH_METADATA_PATH)) {
        request.resume();
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
    }
    if (request.method !== 'POST' || path !== TEST_AS_ROUTES.introspection)
      return void handle(request, response);
    introspectionRequests++;
    if (failure !== undefined) {
      const { status, body, contentType } = failure;
      if (--failure.remaining <= 0) failure = undefined;
      request.resume();
      response.writeHead(status, { 'content-type': contentType }).end(body);
      return;
    }
    if (delayMs === 0) return void handle(request, response);
    const timer = setTimeout(() => {
      timers.delete(timer);
      // The caller gave up meanwhile: nobody to answer.
      if (!response.socket?.destroyed) void handle(request, response);
    }, delayMs);
    timers.add(timer);
  });

  const { appClient } = clients;
  const basic = `Basic ${btoa(`${appClient.clientId}:${appClient.clientSecret}`)}`;
  async function post(route: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(issuer + route, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${route} answered HTTP ${response.status}: ${text}`);
    return text;
  }

  return {
    issuer,
    tokenEndpoint: issuer + TEST_AS_ROUTES.token,
    introspectionEndpoint: issuer + TEST_AS_ROUTES.introspection,
    revocationEndpoint: issuer + TEST_AS_ROUTES.revocation,
    jwksUri: issuer + TEST_AS_ROUTES.jwks,
    resources: TEST_AS_RESOURCES,
    ...clients,
    get introspectionRequests() {
      return introspectionRequests;
    },
    metadataRequests,
    async issueToken({ scope = 'read', ttl, resource = TEST_AS_RESOURCES.opaque, claims } = {}) {
      const form = { grant_type: 'client_credentials', scope, resource };
      const text = await post(TEST_AS_ROUTES.token, form, {
        ...(ttl === undefined ? {} : { [TEST_AS_TTL_HEADER]: `${ttl}` }),
        ...(claims === undefined ? {} : { [TEST_AS_CLAIMS_HEADER]: JSON.stringify(claims) }),
      });
      return (JSON.parse(text) as { access_token: string }).access_token;
    },
    async revoke(token) {
      await post(TEST_AS_ROUTES.revocation, { token, token_type_hint: 'access_token' });
    },
    failIntrospection(
      status,
      body = '<html>unavailable</html>',
      contentType = 'text/html',
      failOptions = {},
    ) {
      failure = { status, body, contentType, remaining: failOptions.times ?? Number.POSITIVE_INFINITY };
    },
    delayIntrospection(ms) {
      delayMs = ms;
    },
    recover() {
      failure = undefined;
      delayMs = 0;
    },
    close: () => closeServer(server, timers),
  };
}

function closeServer(server: Server, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

let quietCalls = 0;
let realWarn: typeof console.warn = console.warn;

/**
 * Runs `action` with the expected oidc-provider warnings filtered out of `console.warn`. Counted, so that
 * servers started concurrently restore the real `console.warn` exactly once, after the last of them.
 */
async function quietly<T>(action: () => T | Promise<T>): Promise<T> {
  if (quietCalls++ === 0) {
    realWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && EXPECTED_WARNINGS.some((text) => first.includes(text))) return;
      realWarn(...args);
    };
  }
  try {
    return await action();
  } finally {
    if (--quietCalls === 0) console.warn = realWarn;
  }
}
