import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

/** The provider's endpoints, spelled out because the URLs handed to tests are built from them. */
export const TEST_AS_ROUTES = {
  token: '/token',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  jwks: '/jwks',
} as const;

/** Resource indicators (RFC 8707) the test server knows; each becomes its tokens' `aud`. */
export const TEST_AS_RESOURCES = { opaque: 'https://api.test/opaque', jwt: 'https://api.test/jwt' } as const;

/** A token request carrying this header gets a token living that many seconds (read per request, no race). */
export const TEST_AS_TTL_HEADER = 'x-test-token-ttl';

/**
 * A token request carrying this header (a JSON object) gets those claims added to its token, through
 * oidc-provider's `extraTokenClaims`: in the JWT and in introspection answers alike. Tests use it for the
 * claims a client-credentials grant never has, such as `acr` and `auth_time`.
 */
export const TEST_AS_CLAIMS_HEADER = 'x-test-token-claims';

/** A client authenticating with a shared secret. */
export interface SecretClient {
  /** The `client_id` registered at the test server. */
  readonly clientId: string;
  /** The client's secret, as registered (raw, not form-urlencoded). */
  readonly clientSecret: string;
}

/** A client authenticating with `private_key_jwt`; the server holds the public half of `privateKey`. */
export interface PrivateKeyJwtClient {
  /** The `client_id` registered at the test server. */
  readonly clientId: string;
  /** A private JWK, carrying `kid` and `alg`. */
  readonly privateKey: JWK;
  /** The algorithm to sign client assertions with (`ES256`). */
  readonly algorithm: string;
  /** The key's ID: its RFC 7638 thumbprint. */
  readonly kid: string;
}

/** The clients of the test server. */
export interface TestAsClients {
  /** Obtains tokens (client_credentials) and revokes them. */
  readonly appClient: SecretClient;
  /** Resource servers allowed to introspect any token, one per client authentication method. */
  readonly basicClient: SecretClient;
  readonly postClient: SecretClient;
  readonly privateKeyJwtClient: PrivateKeyJwtClient;
  /** Gets RFC 9701 answers signed, then encrypted to its RSA-OAEP-256 key (a nested JWT). */
  readonly encryptedAnswersClient: EncryptedAnswersClient;
}

/** A resource-server client whose introspection answers are encrypted to its key. */
export interface EncryptedAnswersClient extends SecretClient {
  /** The private key that decrypts its answers (with `alg`). */
  readonly decryptionKey: JWK;
}

/**
 * Fresh clients. The Basic client's id and secret hold characters that must be form-urlencoded before
 * base64 (RFC 6749 §2.3.1): a server decoding them proves the resource server encoded them.
 */
export async function testAsClients(): Promise<TestAsClients> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const encryptionJwk = await exportJWK(encryption.privateKey);
  return {
    appClient: { clientId: 'app-client', clientSecret: 'app-secret' },
    basicClient: { clientId: 'rs client:1', clientSecret: 's3cr:t+/=' },
    postClient: { clientId: 'rs-post', clientSecret: 'post secret&=' },
    privateKeyJwtClient: {
      clientId: 'rs-jwt',
      privateKey: { ...jwk, kid, alg: 'ES256' },
      algorithm: 'ES256',
      kid,
    },
    encryptedAnswersClient: {
      clientId: 'rs-enc',
      clientSecret: 'enc-secret',
      decryptionKey: {
        ...encryptionJwk,
        kid: await calculateJwkThumbprint(encryptionJwk),
        alg: 'RSA-OAEP-256',
        use: 'enc',
      },
    },
  };
}

/**
 * oidc-provider settings for a machine-to-machine server: client_credentials tokens, opaque for
 * `TEST_AS_RESOURCES.opaque` and RFC 9068 JWTs for `.jwt` (which oidc-provider refuses to introspect),
 * introspection (JSON, or an RFC 9701 JWT when asked with `Accept: application/token-introspection+jwt`)
 * and revocation.
 */
export async function testAsConfiguration(
  clients: TestAsClients,
  settings: { readonly scopes: readonly string[]; readonly ttl: number; readonly invalidTarget: () => Error },
): Promise<Configuration> {
  const { appClient, basicClient, postClient, privateKeyJwtClient, encryptedAnswersClient } = clients;
  const scope = settings.scopes.join(' ');
  const resourceServers = new Set([
    basicClient.clientId,
    postClient.clientId,
    privateKeyJwtClient.clientId,
    encryptedAnswersClient.clientId,
  ]);
  const { d: _private, ...publicJwk } = privateKeyJwtClient.privateKey;
  const { kty, n, e, kid: encryptionKid, alg, use } = encryptedAnswersClient.decryptionKey;
  // oidc-provider authenticates introspection and revocation with the client's token endpoint method.
  const rs = {
    grant_types: [],
    response_types: [],
    redirect_uris: [],
    introspection_signed_response_alg: 'ES256' as const,
  };
  return {
    clients: [
      {
        client_id: appClient.clientId,
        client_secret: appClient.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope,
      },
      { ...rs, ...secret(basicClient), token_endpoint_auth_method: 'client_secret_basic' },
      { ...rs, ...secret(postClient), token_endpoint_auth_method: 'client_secret_post' },
      {
        ...rs,
        client_id: privateKeyJwtClient.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [publicJwk] },
      },
      {
        ...rs,
        ...secret(encryptedAnswersClient),
        token_endpoint_auth_method: 'client_secret_basic',
        introspection_encrypted_response_alg: 'RSA-OAEP-256',
        introspection_encrypted_response_enc: 'A128CBC-HS256',
        jwks: { keys: [{ kty, n, e, kid: encryptionKid, alg, use }] },
      },
    ],
    jwks: { keys: await signingKeys() },
    routes: { ...TEST_AS_ROUTES },
    scopes: [...settings.scopes],
    responseTypes: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    // What the default does, spelled out so that oidc-provider prints no notice about it.
    ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? settings.ttl },
    extraTokenClaims: (ctx) => {
      const claims = ctx.get(TEST_AS_CLAIMS_HEADER);
      return claims ? (JSON.parse(claims) as Record<string, unknown>) : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) =>
          resourceServers.has(caller.clientId) || token.clientId === caller.clientId,
      },
      jwtIntrospection: { enabled: true },
      // For encrypted RFC 9701 answers.
      encryption: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => token.clientId === caller.clientId,
      },
      resourceIndicators: {
        enabled: true,
        // Without a `resource` parameter the token would be audience-less: default to the opaque API.
        defaultResource: () => TEST_AS_RESOURCES.opaque,
        getResourceServerInfo: (ctx: KoaContextWithOIDC, indicator: string) => {
          const jwt = indicator === TEST_AS_RESOURCES.jwt;
          if (!jwt && indicator !== TEST_AS_RESOURCES.opaque) throw settings.invalidTarget();
          return {
            scope,
            audience: indicator,
            accessTokenTTL: Number(ctx.get(TEST_AS_TTL_HEADER) || settings.ttl),
            ...(jwt
              ? { accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'ES256' } } }
              : { accessTokenFormat: 'opaque' as const }),
          };
        },
      },
    },
  };
}

function secret(client: SecretClient) {
  return { client_id: client.clientId, client_secret: client.clientSecret };
}

/** Private signing keys: ES256 for JWT access tokens and introspection responses, RS256 as OIDC's default. */
async function signingKeys(): Promise<JWK[]> {
  return Promise.all(
    (['ES256', 'RS256'] as const).map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(privateKey);
      return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
    }),
  );
}
