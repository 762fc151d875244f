import {
  startTestAuthorizationServer,
  type TestAuthorizationServer,
  type TestAuthorizationServerOptions,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type AccessTokenResolver,
  type ClientAuthentication,
  type Clock,
  createResourceServer,
  type IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
  type ResourceServer,
} from '../src/index.js';

/**
 * Starts one real authorization server (oidc-provider, from testkit) for the test file, undoes its failure
 * controls after each test and closes it at the end. Returns a getter, valid once `beforeAll` ran.
 */
export function useAuthorizationServer(
  options?: TestAuthorizationServerOptions,
): () => TestAuthorizationServer {
  let server: TestAuthorizationServer | undefined;
  beforeAll(async () => {
    server = await startTestAuthorizationServer(options);
  });
  afterEach(() => server?.recover());
  afterAll(() => server?.close());
  return () => {
    if (server === undefined) throw new Error('the authorization server is not started yet');
    return server;
  };
}

/** The Basic credentials of the server's resource-server client (id and secret need form-urlencoding). */
export function basicAuthentication(as: TestAuthorizationServer): ClientAuthentication {
  return { method: 'client_secret_basic', ...as.basicClient };
}

/** An introspection resolver against the real server, and the errors it reported. */
export function introspectAt(
  as: TestAuthorizationServer,
  overrides: Partial<IntrospectionResolverOptions> = {},
): { resolver: AccessTokenResolver; errors: IntrospectionError[] } {
  const errors: IntrospectionError[] = [];
  const resolver = introspectionResolver({
    endpoint: as.introspectionEndpoint,
    issuer: as.issuer,
    clientAuthentication: basicAuthentication(as),
    onError: (error) => errors.push(error),
    // Tests about the audience give one; the others are not about it.
    ...(overrides.audience === undefined ? { acceptAnyAudience: true } : {}),
    ...overrides,
  });
  return { resolver, errors };
}

/** A resource server around `resolver`, optionally with an injected clock. */
export function resourceServerWith(resolver: AccessTokenResolver, clock?: Clock): ResourceServer {
  return createResourceServer({ resolver, ...(clock === undefined ? {} : { clock }) });
}

/** Milliseconds `action` took, with its result. */
export async function timed<T>(action: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const started = performance.now();
  const result = await action();
  return { result, elapsed: performance.now() - started };
}
