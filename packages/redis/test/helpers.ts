import {
  type AccessTokenResolver,
  type Outcome,
  type ResolveContext,
  type TokenInfo,
  tokenInfoFromClaims,
} from '@rs/core';

/**
 * Stands in for the authorization server behind an introspection resolver: a real resolver object that
 * answers from a table and counts how often it is asked, which is what shows whether a cache (and which
 * instance's cache) answered instead. Tokens starting with `revoked-` are inactive.
 */
export class CountingAuthorizationServer implements AccessTokenResolver {
  /** One configuration: every instance answers alike, so instances share cached answers. */
  readonly cacheNamespace = 'counting-authorization-server';
  calls = 0;
  private readonly revoked = new Set<string>();

  /** From now on, `token` is inactive (as after a revocation at the authorization server). */
  revoke(token: string): void {
    this.revoked.add(token);
  }

  async resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
    this.calls++;
    if (token.startsWith('revoked-') || this.revoked.has(token)) {
      return {
        ok: false,
        failure: { code: 'token_inactive', description: 'The access token is not active' },
      };
    }
    const claims = {
      active: true,
      sub: `user-of-${token}`,
      client_id: 'orders-app',
      scope: 'orders:read orders:write',
      aud: ['https://api.example.com'],
      exp: Math.floor(context.now / 1000) + 3600,
      email: 'alice@example.com',
    };
    return { ok: true, value: tokenInfoFromClaims(claims, 'introspection') };
  }
}

/** What the resource server hands a resolver for one request. */
export function requestContext(): ResolveContext {
  return {
    now: Date.now(),
    request: { method: 'GET', url: 'https://api.example.com/orders', headers: {} },
  };
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `call` and returns its result with how long it took, in ms. */
export async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await call();
  return { result, ms: performance.now() - start };
}
