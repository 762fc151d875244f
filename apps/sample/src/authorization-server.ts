import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, urlOf } from './http-server.js';
import { loadOidcProvider } from './oidc/load-provider.js';
import {
  type ClientCredentials,
  PROVIDER_ROUTES,
  providerConfiguration,
} from './oidc/provider-configuration.js';
import { generateSigningKeys } from './oidc/signing-keys.js';

export interface AuthorizationServerOptions {
  /** 0 picks a free port; the issuer then carries the real one. */
  readonly port: number;
  readonly host: string;
  /** The protected API's resource indicator for JWT access tokens, their `aud`. */
  readonly resource: string;
  /** The API's resource indicator for opaque access tokens, their `aud` in introspection answers. */
  readonly opaqueResource: string;
  /**
   * When given, the provider also listens over https on `port` (0: a free one), asking for client
   * certificates: token requests there get certificate-bound tokens (RFC 8705) for the mTLS client.
   */
  readonly tls?: { readonly port: number; readonly keyPem: string; readonly certPem: string };
}

/** A running embedded authorization server and what a client or resource server needs to know about it. */
export interface AuthorizationServer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly revocationUrl: string;
  /** The machine client that gets tokens and may revoke them. */
  readonly client: ClientCredentials;
  /** A client whose tokens are bound to its TLS client certificate; ask at {@link mtlsTokenUrl}. */
  readonly mtlsClient: ClientCredentials;
  /** The token endpoint on the https listener, when `tls` was given. */
  readonly mtlsTokenUrl?: string;
  /** The API's own credentials, good for introspection only. */
  readonly resourceServer: ClientCredentials;
  close(): Promise<void>;
}

const CLIENT_ID = 'sample-client';
const MTLS_CLIENT_ID = 'sample-mtls-client';
const RESOURCE_SERVER_ID = 'sample-api';

/**
 * Starts a real OAuth 2.0 authorization server (oidc-provider) that issues client-credentials access tokens
 * for the API: JWTs for `resource`, opaque ones for `opaqueResource`. The socket is bound before the
 * provider is created because the issuer URL, fixed at construction, must carry the port actually bound.
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const server = createServer();
  await listen(server, options.port, options.host);
  let tlsServer: Server | undefined;
  try {
    const issuer = urlOf(options.host, (server.address() as AddressInfo).port);
    const client = { clientId: CLIENT_ID, clientSecret: newSecret() };
    const mtlsClient = { clientId: MTLS_CLIENT_ID, clientSecret: newSecret() };
    const resourceServer = { clientId: RESOURCE_SERVER_ID, clientSecret: newSecret() };
    const { default: Provider, errors } = await loadOidcProvider();
    const configuration = providerConfiguration(
      {
        resource: options.resource,
        opaqueResource: options.opaqueResource,
        client,
        mtlsClient,
        resourceServer,
        jwks: await generateSigningKeys(),
      },
      () => new errors.InvalidTarget(),
    );
    const provider = new Provider(issuer, configuration);
    server.on('request', provider.callback());
    let mtlsTokenUrl: string | undefined;
    if (options.tls) {
      // Same provider, same issuer: only the token endpoint is meant to be used here (RFC 8705 §5 aliases).
      tlsServer = createHttpsServer(
        { key: options.tls.keyPem, cert: options.tls.certPem, requestCert: true, rejectUnauthorized: false },
        provider.callback(),
      );
      await listen(tlsServer, options.tls.port, options.host);
      const port = (tlsServer.address() as AddressInfo).port;
      mtlsTokenUrl = `${urlOf(options.host, port, 'https')}${PROVIDER_ROUTES.token}`;
    }
    const tls = tlsServer;
    return {
      issuer,
      jwksUrl: issuer + PROVIDER_ROUTES.jwks,
      tokenUrl: issuer + PROVIDER_ROUTES.token,
      introspectionUrl: issuer + PROVIDER_ROUTES.introspection,
      revocationUrl: issuer + PROVIDER_ROUTES.revocation,
      client,
      mtlsClient,
      ...(mtlsTokenUrl && { mtlsTokenUrl }),
      resourceServer,
      close: async () => {
        await Promise.all([closeServer(server), tls && closeServer(tls)]);
      },
    };
  } catch (error) {
    await Promise.all([closeServer(server), tlsServer && closeServer(tlsServer)]);
    throw error;
  }
}

function newSecret(): string {
  return randomBytes(24).toString('base64url');
}
