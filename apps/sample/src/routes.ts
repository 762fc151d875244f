import type { OAuth2Context } from '@rs/core';
import type { FastifyRequest } from 'fastify';
import { INTROSPECTION_CACHE_TTL_MS } from './resolvers.js';

/** How a group of routes validates its tokens; each group gets its own resolver (see api.ts). */
export type Validation = 'jwt' | 'introspection' | 'introspection-cached' | 'am-keystore' | 'am-encrypted';

/** The protected routes, mirroring ForgeRock Identity Gateway's resource-server routes, with the scopes each requires. */
export const PROTECTED_ROUTES = [
  {
    path: '/rs-stateless-signed',
    validation: 'jwt',
    scopes: ['read'],
    description: 'JWT verified locally with the JWKS; needs "read"',
  },
  {
    path: '/rs-stateless-signed-admin',
    validation: 'jwt',
    scopes: ['admin'],
    description: 'JWT verified locally with the JWKS; needs "admin"',
  },
  {
    path: '/rs-introspect',
    validation: 'introspection',
    scopes: ['read'],
    description: 'opaque token introspected at the authorization server on every request; needs "read"',
  },
  {
    path: '/rs-introspect-cache',
    validation: 'introspection-cached',
    scopes: ['read'],
    description:
      `opaque token introspected, the answer cached for ${INTROSPECTION_CACHE_TTL_MS / 1000} s ` +
      '(POST /admin/evict forgets it); needs "read"',
  },
  {
    path: '/rs-stateless-signed-keystore',
    validation: 'am-keystore',
    scopes: ['read'],
    description:
      'Access Management-shaped JWT (mint-am-token --kind signed) verified with a certificate from a ' +
      'PKCS#12 keystore; needs "read"',
  },
  {
    path: '/rs-stateless-encrypted',
    validation: 'am-encrypted',
    scopes: ['read'],
    description:
      'Access Management-shaped encrypted JWT (mint-am-token --kind encrypted), decrypted with a shared ' +
      'AES key from a secret store; needs "read"',
  },
] as const satisfies readonly ProtectedRoute[];

export interface ProtectedRoute {
  readonly path: string;
  readonly validation: Validation;
  readonly scopes: readonly string[];
  readonly description: string;
}

/** What a protected route answers: who called, with what grant, from which token. Never the token itself. */
export interface TokenReport {
  readonly route: string;
  /** How the token was validated: verified locally (`jwt`) or asked of the authorization server. */
  readonly source: OAuth2Context['source'];
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly scopes: readonly string[];
  readonly issuer: string | undefined;
  readonly audience: readonly string[];
  readonly expiresAt: number | undefined;
  /** `jti`, and the authorization server's audit ID (AM's `auditTrackingId`): what an audit log records. */
  readonly tokenId: string | undefined;
  readonly trackingId: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
}

export function reportToken(route: string, request: FastifyRequest): TokenReport {
  const context: OAuth2Context | null = request.oauth2;
  // The hook refuses every request without a context; reaching here without one is a wiring bug.
  if (context === null) throw new Error(`route ${route} is not protected`);
  return {
    route,
    source: context.source,
    subject: context.subject,
    clientId: context.clientId,
    scopes: [...context.scopes],
    issuer: context.issuer,
    audience: context.audience,
    expiresAt: context.expiresAt,
    tokenId: context.tokenId,
    trackingId: context.trackingId,
    claims: context.claims,
  };
}
