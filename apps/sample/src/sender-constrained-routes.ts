import type { AccessTokenResolver, ResourceServerOptions } from '@rs/core';
import { fastifyResourceServer } from '@rs/fastify';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { MTLS_HEADER_FAILURES } from './failure-answers.js';
import { boundClose } from './http-server.js';
import { type JwtSettings, jwtRoutesResolver } from './resolvers.js';
import { reportToken } from './routes.js';

/** Paths of the sender-constrained routes (issue 5). */
export const MTLS_CERTIFICATE_PATH = '/mtls-certificate';
export const MTLS_HEADER_PATH = '/mtls-header';
export const DPOP_PATH = '/dpop';

/** What `/` lists about them. */
export const SENDER_CONSTRAINED_ROUTES = [
  {
    path: MTLS_CERTIFICATE_PATH,
    scopes: ['read'],
    description:
      'certificate-bound token, the certificate from the TLS handshake (the https listener); needs "read"',
  },
  {
    path: MTLS_HEADER_PATH,
    scopes: ['read'],
    description: 'certificate-bound token, the certificate from a loopback proxy header; needs "read"',
  },
  { path: DPOP_PATH, scopes: ['read'], description: 'DPoP-bound token with a DPoP proof; needs "read"' },
] as const;

/**
 * The header `/mtls-header` trusts: the client certificate as URL-encoded PEM, nginx's
 * `$ssl_client_escaped_cert`. Trusted from loopback peers only, where the sample's proxy runs; a deployed
 * API picks a name nobody can guess and has its proxy strip it from incoming requests.
 */
export const DEFAULT_CERTIFICATE_HEADER = 'x-client-cert';
const LOOPBACK = ['127.0.0.1', '::1'];

export interface SenderConstrainedSettings extends JwtSettings {
  /** Name of the header `/mtls-header` trusts. Default {@link DEFAULT_CERTIFICATE_HEADER}. */
  readonly certificateHeader?: string;
  /**
   * The URL clients call this API at, e.g. `http://127.0.0.1:9401`. `/dpop` compares each proof's `htu`
   * with it, never with a URL built from the client's `Host` header.
   */
  readonly publicUrl: string;
}

/** What the sender-constrained routes answer: the usual report, and what bound the token. */
function report(path: string, request: FastifyRequest) {
  return {
    ...reportToken(path, request),
    scheme: request.oauth2?.scheme,
    confirmation: request.oauth2?.confirmation,
  };
}

/** One route with its own resource server: each sender constraint is a different configuration. */
function protectedRoute(
  path: string,
  resolver: AccessTokenResolver,
  options: Partial<ResourceServerOptions> & { readonly publicUrl?: string },
) {
  return async (scope: FastifyInstance) => {
    await scope.register(fastifyResourceServer, { resolver, realm: 'sample', ...options });
    scope.get(path, { config: { rs: { scopes: ['read'] } } }, async (request) => report(path, request));
  };
}

/**
 * `/mtls-header` and `/dpop`, for the plain-HTTP API on loopback (hence `requireHttps: false`): a
 * certificate-bound token confirmed by the proxy's header, and a DPoP-bound token with its proof.
 */
export function senderConstrainedRoutes(settings: SenderConstrainedSettings): FastifyPluginAsync {
  const resolver = jwtRoutesResolver(settings);
  return async (app) => {
    await app.register(
      protectedRoute(MTLS_HEADER_PATH, resolver, {
        requireHttps: false,
        requireSenderConstrained: 'mtls',
        certificateHeader: {
          name: settings.certificateHeader ?? DEFAULT_CERTIFICATE_HEADER,
          format: 'url-encoded-pem',
          trustedProxies: LOOPBACK,
        },
        failureResponses: MTLS_HEADER_FAILURES,
      }),
    );
    await app.register(
      protectedRoute(DPOP_PATH, resolver, {
        requireHttps: false,
        dpop: true,
        requireSenderConstrained: 'dpop',
        publicUrl: settings.publicUrl,
      }),
    );
  };
}

/** TLS material of the https listener. */
export interface TlsListener {
  readonly keyPem: string;
  readonly certPem: string;
}

/**
 * The https API serving `/mtls-certificate`: it asks every client for a certificate and, as RFC 8705
 * allows, does not judge its chain; core compares its thumbprint with the token's `cnf.x5t#S256`.
 */
export async function buildTlsApi(settings: JwtSettings, tls: TlsListener): Promise<FastifyInstance> {
  const app = Fastify({
    https: { key: tls.keyPem, cert: tls.certPem, requestCert: true, rejectUnauthorized: false },
  });
  boundClose(app);
  await app.register(
    protectedRoute(MTLS_CERTIFICATE_PATH, jwtRoutesResolver(settings), { requireSenderConstrained: 'mtls' }),
  );
  return app;
}
