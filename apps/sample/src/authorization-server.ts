import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, urlOf } from './http-server.js';
import { loadOidcProvider } from './oidc/load-provider.js';
import { PROVIDER_ROUTES, providerConfiguration } from './oidc/provider-configuration.js';
import { generateSigningKeys } from './oidc/signing-keys.js';

export interface AuthorizationServerOptions {
  /** 0 picks a free port; the issuer then carries the real one. */
  readonly port: number;
  readonly host: string;
  /** The protected API's resource indicator, the `aud` of every token. */
  readonly resource: string;
}

/** A running embedded authorization server and what a client or resource server needs to know about it. */
export interface AuthorizationServer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

const CLIENT_ID = 'sample-client';

/**
 * Starts a real OAuth 2.0 authorization server (oidc-provider) that issues client-credentials JWT access
 * tokens for `resource`. The socket is bound before the provider is created because the issuer URL,
 * fixed at construction, must carry the port actually bound.
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const server = createServer();
  await listen(server, options.port, options.host);
  try {
    const issuer = urlOf(options.host, (server.address() as AddressInfo).port);
    const clientSecret = randomBytes(24).toString('base64url');
    const { default: Provider, errors } = await loadOidcProvider();
    const configuration = providerConfiguration(
      { resource: options.resource, clientId: CLIENT_ID, clientSecret, jwks: await generateSigningKeys() },
      () => new errors.InvalidTarget(),
    );
    const provider = new Provider(issuer, configuration);
    server.on('request', provider.callback());
    return {
      issuer,
      jwksUrl: issuer + PROVIDER_ROUTES.jwks,
      tokenUrl: issuer + PROVIDER_ROUTES.token,
      clientId: CLIENT_ID,
      clientSecret,
      close: () => closeServer(server),
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}
