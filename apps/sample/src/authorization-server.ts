import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
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
  /** The API's own credentials, good for introspection only. */
  readonly resourceServer: ClientCredentials;
  close(): Promise<void>;
}

const CLIENT_ID = 'sample-client';
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
  try {
    const issuer = urlOf(options.host, (server.address() as AddressInfo).port);
    const client = { clientId: CLIENT_ID, clientSecret: newSecret() };
    const resourceServer = { clientId: RESOURCE_SERVER_ID, clientSecret: newSecret() };
    const { default: Provider, errors } = await loadOidcProvider();
    const configuration = providerConfiguration(
      {
        resource: options.resource,
        opaqueResource: options.opaqueResource,
        client,
        resourceServer,
        jwks: await generateSigningKeys(),
      },
      () => new errors.InvalidTarget(),
    );
    const provider = new Provider(issuer, configuration);
    server.on('request', provider.callback());
    return {
      issuer,
      jwksUrl: issuer + PROVIDER_ROUTES.jwks,
      tokenUrl: issuer + PROVIDER_ROUTES.token,
      introspectionUrl: issuer + PROVIDER_ROUTES.introspection,
      revocationUrl: issuer + PROVIDER_ROUTES.revocation,
      client,
      resourceServer,
      close: () => closeServer(server),
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

function newSecret(): string {
  return randomBytes(24).toString('base64url');
}
