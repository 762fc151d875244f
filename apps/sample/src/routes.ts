import type { OAuth2Context } from '@rs/core';
import type { FastifyRequest } from 'fastify';

/** The protected routes, mirroring the gateway guide, with the scopes each requires. */
export const PROTECTED_ROUTES = [
  {
    path: '/rs-stateless-signed',
    scopes: ['read'],
    description: 'JWT verified locally with the JWKS; needs "read"',
  },
  {
    path: '/rs-stateless-signed-admin',
    scopes: ['admin'],
    description: 'JWT verified locally with the JWKS; needs "admin"',
  },
] as const;

/** What a protected route answers: who called, with what grant, from which token. Never the token itself. */
export interface TokenReport {
  readonly route: string;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly scopes: readonly string[];
  readonly issuer: string | undefined;
  readonly audience: readonly string[];
  readonly expiresAt: number | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
}

export function reportToken(route: string, request: FastifyRequest): TokenReport {
  const context: OAuth2Context | null = request.oauth2;
  // The hook refuses every request without a context; reaching here without one is a wiring bug.
  if (context === null) throw new Error(`route ${route} is not protected`);
  return {
    route,
    subject: context.subject,
    clientId: context.clientId,
    scopes: [...context.scopes],
    issuer: context.issuer,
    audience: context.audience,
    expiresAt: context.expiresAt,
    claims: context.claims,
  };
}
