import { createResourceServer, jwtResolver, type ResourceServer, RsConfigError, staticJwks } from '@rs/core';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, jwksOf } from './keys.js';

/** What an adapter's metadata route answered to a GET without a token, read back by its test. */
export interface MetadataRouteAnswer {
  /** The HTTP status. */
  readonly status: number;
  /** The `Content-Type` header, if sent. */
  readonly contentType: string | undefined;
  /** The `Cache-Control` header, if sent. */
  readonly cacheControl: string | undefined;
  /** The body as sent, parsed by the test: the adapter must send core's JSON text unchanged. */
  readonly body: string;
}

/** The routes an adapter test mounted for one resource server. */
export interface MountedMetadataRoute {
  /** The path the adapter's helper says it serves the metadata at. */
  readonly path: string;
  /** GETs the metadata route, without a token, the way a client of this framework would. */
  get(): Promise<MetadataRouteAnswer>;
  /** Calls a route protected by the same resource server without a token: its `WWW-Authenticate`. */
  challenge(): Promise<string | undefined>;
  /** Stops what the test started for the route, if anything. */
  close?(): Promise<void>;
}

/**
 * Mounts the adapter's RFC 9728 metadata helper for `resourceServer` at the path it gives, beside one
 * protected route, on the framework's real transport (HTTP on loopback, or real Lambda events). Throws
 * (or rejects) when the helper refuses the resource server.
 */
export type MetadataRouteDriver = (resourceServer: ResourceServer) => Promise<MountedMetadataRoute>;

/**
 * The route, under the resource's path, that drivers protect beside the metadata route, for
 * {@link MountedMetadataRoute.challenge}.
 */
export const METADATA_CONFORMANCE_PROTECTED_PATH = '/v1/items';

/**
 * `get` and `challenge` for an adapter serving the metadata route (at `path`) and a route protected at
 * {@link METADATA_CONFORMANCE_PROTECTED_PATH} over HTTP at `baseUrl`, called with `fetch`.
 */
export function metadataRouteOverHttp(
  baseUrl: string,
  path: string,
): Pick<MountedMetadataRoute, 'path' | 'get' | 'challenge'> {
  return {
    path,
    async get() {
      const response = await fetch(`${baseUrl}${path}`);
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.text(),
      };
    },
    async challenge() {
      const response = await fetch(`${baseUrl}${METADATA_CONFORMANCE_PROTECTED_PATH}`);
      return response.status === 401 ? (response.headers.get('www-authenticate') ?? undefined) : undefined;
    },
  };
}

const ISSUER = 'https://as.metadata.test';
const RESOURCE = 'https://api.metadata.test/v1';
const METADATA_PATH = '/.well-known/oauth-protected-resource/v1';

/**
 * The RFC 9728 metadata cases every adapter runs: the document core builds from the enforced
 * configuration, served at the path of RFC 9728 §3.1 as JSON that clients may cache, open to clients
 * without a token, and named by the challenge of every protected route; and a resource server without
 * `protectedResource` refused when the route is mounted, not at the first request.
 */
export function runMetadataRouteConformance(name: string, mount: MetadataRouteDriver): void {
  async function resourceServer(withMetadata: boolean): Promise<ResourceServer> {
    const key = await generateSigningKey('ES256', 'k1');
    return createResourceServer({
      resolver: jwtResolver({ issuer: ISSUER, audience: RESOURCE, keys: staticJwks(jwksOf(key)) }),
      requireHttps: false,
      realm: 'metadata',
      policy: { scopes: ['read'] },
      ...(withMetadata && {
        protectedResource: {
          resource: RESOURCE,
          authorizationServers: [ISSUER],
          resourceName: 'Metadata conformance API',
        },
      }),
    });
  }

  describe(`${name} RFC 9728 metadata route`, () => {
    it('serves the document at the path of RFC 9728 §3.1, as cacheable JSON, without a token', async () => {
      const route = await mount(await resourceServer(true));
      try {
        expect(route.path).toBe(METADATA_PATH);
        const answer = await route.get();
        expect(answer.status).toBe(200);
        expect(answer.contentType).toMatch(/^application\/json/);
        expect(answer.cacheControl).toBe('public, max-age=300');
        expect(JSON.parse(answer.body)).toEqual({
          resource: RESOURCE,
          authorization_servers: [ISSUER],
          scopes_supported: ['read'],
          bearer_methods_supported: ['header'],
          resource_name: 'Metadata conformance API',
          tls_client_certificate_bound_access_tokens: false,
        });
      } finally {
        await route.close?.();
      }
    });

    it("is named by the protected routes' challenge", async () => {
      const route = await mount(await resourceServer(true));
      try {
        expect(await route.challenge()).toBe(
          `Bearer realm="metadata", resource_metadata="https://api.metadata.test${METADATA_PATH}"`,
        );
      } finally {
        await route.close?.();
      }
    });

    it('refuses, when mounted, a resource server that publishes no metadata', async () => {
      const bare = await resourceServer(false);
      let refusal: unknown;
      try {
        const route = await mount(bare);
        await route.close?.();
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(RsConfigError);
      expect((refusal as RsConfigError).option).toBe('protectedResource');
    });

    it('refuses, when mounted, what is not a resource server, by name rather than with a TypeError', async () => {
      for (const notAServer of [undefined, {}, { protectedResource: {} }]) {
        let refusal: unknown;
        try {
          const route = await mount(notAServer as unknown as ResourceServer);
          await route.close?.();
        } catch (error) {
          refusal = error;
        }
        expect(refusal).toBeInstanceOf(RsConfigError);
        expect((refusal as RsConfigError).option).toBe('resourceServer');
      }
    });
  });
}
