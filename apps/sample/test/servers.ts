import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { type ApiConfig, buildApi } from '../src/api.js';
import { type AuthorizationServer, startAuthorizationServer } from '../src/authorization-server.js';
import type { ClientCredentials } from '../src/oidc/provider-configuration.js';

// Both servers take ephemeral ports, so the API's URL is unknown when the authorization server starts; a
// resource indicator is an identifier, not necessarily a reachable URL.
export const RESOURCE = 'https://sample-api.test';
export const OPAQUE_RESOURCE = 'https://sample-api.test/opaque';

/** The embedded authorization server and an API trusting it, both listening on loopback. */
export interface Servers {
  readonly as: AuthorizationServer;
  readonly api: FastifyInstance;
  readonly apiUrl: string;
  close(): Promise<void>;
}

export async function startServers(
  introspection: (as: AuthorizationServer) => Partial<NonNullable<ApiConfig['introspection']>> = () => ({}),
  options: { readonly console?: boolean } = {},
): Promise<Servers> {
  const as = await startAuthorizationServer({
    host: '127.0.0.1',
    port: 0,
    resource: RESOURCE,
    opaqueResource: OPAQUE_RESOURCE,
  });
  try {
    const api = await buildApi({
      issuer: as.issuer,
      audience: RESOURCE,
      jwksUrl: as.jwksUrl,
      publicUrl: RESOURCE,
      introspection: {
        issuer: as.issuer,
        endpoint: as.introspectionUrl,
        audience: OPAQUE_RESOURCE,
        ...as.resourceServer,
        ...introspection(as),
      },
      ...(options.console && {
        console: {
          tokenUrl: as.tokenUrl,
          revocationUrl: as.revocationUrl,
          client: as.client,
          resource: RESOURCE,
          opaqueResource: OPAQUE_RESOURCE,
          publicUrl: RESOURCE,
        },
      }),
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return {
      as,
      api,
      apiUrl,
      close: async () => {
        await api.close();
        await as.close();
      },
    };
  } catch (error) {
    await as.close();
    throw error;
  }
}

export function basic(credentials: ClientCredentials): Record<string, string> {
  return { authorization: `Basic ${btoa(`${credentials.clientId}:${credentials.clientSecret}`)}` };
}

/** A client-credentials access token of the sample client, for `resource`. */
export async function token(as: AuthorizationServer, scope: string, resource = RESOURCE): Promise<string> {
  const response = await fetch(as.tokenUrl, {
    method: 'POST',
    headers: basic(as.client),
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

/** Revokes a token as the client it was issued to, as the printed curl command does. */
export async function revoke(as: AuthorizationServer, accessToken: string): Promise<void> {
  const response = await fetch(as.revocationUrl, {
    method: 'POST',
    headers: basic(as.client),
    body: new URLSearchParams({ token: accessToken }),
  });
  expect(response.status).toBe(200);
}

export function call(apiUrl: string, path: string, accessToken?: string): Promise<Response> {
  return fetch(apiUrl + path, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {});
}
