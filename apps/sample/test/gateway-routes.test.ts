import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_UP_ACR } from '../src/gateway-routes.js';
import type { UpstreamEcho } from '../src/upstream-app.js';
import { RESOURCE, type Servers, startServers, token } from './servers.js';

let servers: Servers;
let readToken: string;

beforeAll(async () => {
  servers = await startServers();
  readToken = await token(servers.as, 'read');
});
afterAll(async () => {
  await servers?.close();
});

const METADATA_URL = `${RESOURCE}/.well-known/oauth-protected-resource`;

describe('/proxy/* (an upstream app behind the resource server)', () => {
  it('forwards the claims as X-Token-* headers, and never the client own ones or its token', async () => {
    const response = await fetch(`${servers.apiUrl}/proxy/orders/42?view=full`, {
      headers: {
        authorization: `Bearer ${readToken}`,
        'x-token-sub': 'mallory',
        'x-token-admin': 'true',
        'x-request-id': 'abc-123',
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('sample-upstream');
    const echo = (await response.json()) as UpstreamEcho;
    expect(echo).toMatchObject({ method: 'GET', path: '/orders/42?view=full' });
    expect(echo.headers).toMatchObject({
      'x-token-sub': servers.as.client.clientId,
      'x-token-client-id': servers.as.client.clientId,
      'x-token-scope': 'read',
      'x-token-iss': servers.as.issuer,
      'x-request-id': 'abc-123',
    });
    expect(Number(echo.headers['x-token-exp'])).toBeGreaterThan(Date.now() / 1000);
    expect(echo.headers).not.toHaveProperty('x-token-admin');
    expect(echo.headers).not.toHaveProperty('authorization');
    expect(JSON.stringify(echo)).not.toContain(readToken);
  });

  it('refuses a request without a token before the upstream sees it, naming the metadata', async () => {
    const response = await fetch(`${servers.apiUrl}/proxy/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="sample", resource_metadata="${METADATA_URL}"`,
    );
  });
});

describe('RFC 9728 metadata', () => {
  it('describes the gateway routes from their configuration, without a token', async () => {
    const response = await fetch(`${servers.apiUrl}/.well-known/oauth-protected-resource`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [servers.as.issuer],
      scopes_supported: ['read'],
      bearer_methods_supported: ['header'],
      resource_name: '@rs sample API (gateway routes)',
      tls_client_certificate_bound_access_tokens: false,
    });
  });
});

describe('/step-up (RFC 9470)', () => {
  it('refuses a client-credentials token with 401 insufficient_user_authentication', async () => {
    const response = await fetch(`${servers.apiUrl}/step-up`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="sample", error="insufficient_user_authentication", error_description="The authentication ' +
        `context class of the access token is not sufficient for this resource", acr_values="${STEP_UP_ACR}", ` +
        `max_age="300", resource_metadata="${METADATA_URL}"`,
    );
    expect(await response.json()).toMatchObject({ code: 'insufficient_user_authentication' });
  });
});
