import { readFile } from 'node:fs/promises';
import type { AccessTokenResolver, TokenCache } from '@rs/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientCredentials } from '../oidc/provider-configuration.js';
import { API_SCOPES } from '../oidc/provider-configuration.js';
import { DPOP_PATH, SENDER_CONSTRAINED_ROUTES } from '../sender-constrained-routes.js';

/** What the console needs to get tokens from the embedded authorization server and revoke them. */
export interface ConsoleSettings {
  readonly tokenUrl: string;
  readonly revocationUrl: string;
  readonly client: ClientCredentials;
  /** Resource indicators: JWTs are issued for `resource`, opaque tokens for `opaqueResource`. */
  readonly resource: string;
  readonly opaqueResource: string;
  /** The URL DPoP proofs name (`htu`) for the API's routes. */
  readonly publicUrl: string;
}

/** A protected route the page offers to call. */
export interface ConsoleRoute {
  readonly path: string;
  readonly scopes: readonly string[];
  readonly description: string;
}

/**
 * Revokes a token everywhere the sample knows of. Today: at the authorization server, then the
 * resource server's cache forgets it (as `POST /admin/evict` does). A revocation feed can replace the
 * second step without the page noticing. Rejects with {@link RevocationRefused} when the authorization
 * server refuses.
 */
export type RevokeToken = (token: string) => Promise<void>;

/**
 * The authorization server refused to revoke: oidc-provider answers `400 unsupported_token_type` for the
 * JWT access tokens it issues, which it cannot take back. Its answer goes to the page as it is.
 */
export class RevocationRefused extends Error {
  override readonly name = 'RevocationRefused';
  constructor(
    readonly status: number,
    readonly answer: unknown,
  ) {
    super(`revocation answered HTTP ${status}`);
  }
}

// `public/` beside `src/` and `dist/`: this file runs as src/console/console-routes.ts under the tests and
// bundled into dist/main.js when started.
const PUBLIC = new URL(import.meta.url.includes('/src/') ? '../../public/' : '../public/', import.meta.url);
const FILES: Readonly<Record<string, string>> = {
  '/console/console.js': 'text/javascript; charset=utf-8',
  '/console/console.css': 'text/css; charset=utf-8',
};
const TOKEN_KINDS = ['jwt', 'opaque', 'dpop'] as const;
const MAX_TOKEN_CHARS = 8_192;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** Whether `/` should answer the page: a browser asks for HTML first, curl and tests for anything. */
export function wantsConsolePage(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',')[0]?.trim() === 'text/html';
}

/** Sends the page (`public/index.html`). */
export async function sendConsolePage(reply: FastifyReply): Promise<FastifyReply> {
  const html = await readFile(new URL('index.html', PUBLIC), 'utf8');
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/**
 * DEMONSTRATION ONLY, loopback callers only: the console's own endpoints. They hand tokens to the
 * browser (that is the point of the page) and revoke them; no deployed API has such routes.
 */
export function consoleRoutes(
  settings: ConsoleSettings,
  routes: readonly ConsoleRoute[],
  revoke: RevokeToken,
): FastifyPluginAsync {
  return async (scope) => {
    scope.addHook('onRequest', loopbackOnly);
    for (const [path, type] of Object.entries(FILES)) {
      scope.get(path, async (_request, reply) =>
        reply.type(type).send(await readFile(new URL(path.slice('/console/'.length), PUBLIC), 'utf8')),
      );
    }
    scope.get('/console/config', async () => ({
      routes,
      scopes: API_SCOPES,
      kinds: TOKEN_KINDS,
      client: settings.client.clientId,
      tokenUrl: settings.tokenUrl,
      publicUrl: settings.publicUrl,
    }));

    scope.post<{ Body: { kind: (typeof TOKEN_KINDS)[number]; scopes: string[]; dpopProof?: string } }>(
      '/console/token',
      {
        schema: {
          body: {
            type: 'object',
            required: ['kind', 'scopes'],
            additionalProperties: false,
            properties: {
              kind: { enum: [...TOKEN_KINDS] },
              scopes: { type: 'array', maxItems: 8, items: { enum: [...API_SCOPES] } },
              dpopProof: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_CHARS },
            },
          },
        },
      },
      async (request, reply) => {
        const { kind, scopes, dpopProof } = request.body;
        if (kind === 'dpop' && dpopProof === undefined) {
          return reply
            .code(400)
            .send({ error: 'a DPoP-bound token needs a DPoP proof for the token endpoint' });
        }
        const response = await fetch(settings.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: basic(settings.client),
            'content-type': 'application/x-www-form-urlencoded',
            ...(kind === 'dpop' && dpopProof !== undefined && { dpop: dpopProof }),
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: scopes.join(' '),
            resource: kind === 'opaque' ? settings.opaqueResource : settings.resource,
          }),
        });
        // The authorization server's answer as it is: the token, or its OAuth error.
        return reply.code(response.status).send(await response.json());
      },
    );

    scope.post<{ Body: { token: string } }>(
      '/console/revoke',
      {
        schema: {
          body: {
            type: 'object',
            required: ['token'],
            additionalProperties: false,
            properties: { token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_CHARS } },
          },
        },
      },
      async (request, reply) => {
        try {
          await revoke(request.body.token);
        } catch (error) {
          if (!(error instanceof RevocationRefused)) throw error;
          return reply.code(error.status).send(error.answer);
        }
        return { revoked: true };
      },
    );
  };
}

/** Revocation at the authorization server, as the client the token was issued to (RFC 7009). */
export async function revokeAtAuthorizationServer(settings: ConsoleSettings, token: string): Promise<void> {
  const response = await fetch(settings.revocationUrl, {
    method: 'POST',
    headers: { authorization: basic(settings.client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  if (response.status !== 200) {
    // A 4xx answer is the OAuth error (RFC 7009 §2.2.1) the page shows; anything else is the server's fault.
    const refused = response.status >= 400 && response.status < 500;
    const answer: unknown = await response.json().catch(() => undefined);
    if (refused && typeof answer === 'object' && answer !== null)
      throw new RevocationRefused(response.status, answer);
    throw new Error(`revocation answered HTTP ${response.status}`);
  }
}

function basic(client: ClientCredentials): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${btoa(`${encode(client.clientId)}:${encode(client.clientSecret)}`)}`;
}

// The socket's address, never a forwarded one.
async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (LOOPBACK.test(request.socket.remoteAddress ?? '')) return;
  await reply.code(403).send({ error: 'forbidden', message: 'the console answers loopback callers only' });
}

/**
 * The console for the sample API: the protected routes it mounted plus `/dpop`, and revocation at the
 * authorization server followed by eviction from `/rs-introspect-cache`'s cache.
 */
export function sampleConsole(
  settings: ConsoleSettings,
  mounted: readonly ConsoleRoute[],
  resolvers: ReadonlyMap<string, AccessTokenResolver>,
): FastifyPluginAsync {
  const cached = resolvers.get('introspection-cached') as TokenCache | undefined;
  const routes = [...mounted, ...SENDER_CONSTRAINED_ROUTES.filter((route) => route.path === DPOP_PATH)].map(
    ({ path, scopes, description }) => ({ path, scopes, description }),
  );
  return consoleRoutes(settings, routes, async (token) => {
    await revokeAtAuthorizationServer(settings, token);
    await cached?.evict(token);
  });
}
