import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RsConfigError } from '@rs/core';
import type { FastifyInstance } from 'fastify';
import { amCurlInstructions } from './am-curl-instructions.js';
import { type ApiConfig, buildApi, INTROSPECTION_NOT_MOUNTED } from './api.js';
import { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';
import { HOST, parseConfig, type SampleConfig, SampleConfigError } from './config.js';
import { curlInstructions } from './curl-instructions.js';
import { discoverJwksUrl } from './discovery.js';
import { urlOf } from './http-server.js';

/** Appended to the API's URL, the resource indicator for which the embedded server issues opaque tokens. */
const OPAQUE_RESOURCE_PATH = '/opaque';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const apiUrl = urlOf(HOST, config.port);
  const { trust, authorizationServer } = await establishTrust(config, apiUrl);
  let api: FastifyInstance | undefined;
  try {
    api = await buildApi(trust);
    await api.listen({ host: HOST, port: config.port });
  } catch (error) {
    await authorizationServer?.close();
    throw error;
  }
  onShutdown(async () => {
    await api?.close();
    await authorizationServer?.close();
  });

  console.log(
    authorizationServer
      ? `Authorization server (embedded): ${authorizationServer.issuer}`
      : `Authorization server (external): ${trust.issuer}`,
  );
  console.log(`Protected API: ${apiUrl} (audience ${trust.audience}, keys from ${trust.jwksUrl})`);
  const { introspection } = trust;
  console.log(
    introspection
      ? `Opaque tokens (audience ${introspection.audience}): introspected at ` +
          `${introspection.endpoint ?? `the endpoint ${trust.issuer} publishes`} as ${introspection.clientId}\n`
      : `Opaque tokens: the introspection routes are ${INTROSPECTION_NOT_MOUNTED}\n`,
  );
  console.log(
    curlInstructions({
      apiUrl,
      audience: trust.audience,
      ...(authorizationServer && {
        tokenEndpoint: {
          url: authorizationServer.tokenUrl,
          clientId: authorizationServer.client.clientId,
          clientSecret: authorizationServer.client.clientSecret,
        },
      }),
      ...(introspection && {
        introspection: {
          resource: introspection.audience,
          ...(authorizationServer && { revocationUrl: authorizationServer.revocationUrl }),
        },
      }),
    }),
  );
  console.log(`\n${amCurlInstructions(apiUrl, mintCommand())}`);
  console.log('\nPress Ctrl+C to stop.');
}

// The mint command beside this file in dist/, as a path from the current directory, quoted if it must be.
function mintCommand(): string {
  const path = relative(process.cwd(), fileURLToPath(new URL('./mint-am-token.js', import.meta.url)));
  return `node ${/^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`}`;
}

async function establishTrust(
  config: SampleConfig,
  apiUrl: string,
): Promise<{ trust: ApiConfig; authorizationServer?: AuthorizationServer }> {
  const source = config.trust;
  if (source.kind === 'embedded') {
    // The API's own URL is its resource indicator, hence the audience of the tokens issued for it; opaque
    // tokens are asked for with a second indicator, since oidc-provider picks the format per resource.
    const opaqueResource = `${apiUrl}${OPAQUE_RESOURCE_PATH}`;
    const authorizationServer = await startAuthorizationServer({
      host: HOST,
      port: source.port,
      resource: apiUrl,
      opaqueResource,
    });
    const { issuer, jwksUrl, introspectionUrl, resourceServer } = authorizationServer;
    const introspection = {
      issuer,
      endpoint: introspectionUrl,
      audience: opaqueResource,
      ...resourceServer,
    };
    return { trust: { issuer, audience: apiUrl, jwksUrl, introspection }, authorizationServer };
  }
  const jwksUrl =
    'jwksUrl' in source.keys
      ? source.keys.jwksUrl
      : await discoverJwksUrl(source.keys.discoveryUrl, source.issuer);
  const introspection = source.introspection && {
    issuer: source.issuer,
    audience: source.audience,
    ...source.introspection,
  };
  return {
    trust: {
      issuer: source.issuer,
      audience: source.audience,
      jwksUrl,
      ...(introspection && { introspection }),
    },
  };
}

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}

main().catch((error: unknown) => {
  // Settings problems are the operator's to fix: one line, no stack.
  if (error instanceof SampleConfigError || error instanceof RsConfigError) {
    console.error(`sample: configuration error: ${error.message}`);
  } else if (isAddressInUse(error)) {
    console.error(
      `sample: ${error.address}:${error.port} is in use; choose other ports with PORT and AS_PORT`,
    );
  } else {
    console.error('sample: failed to start:', error);
  }
  process.exit(1);
});

function isAddressInUse(error: unknown): error is NodeJS.ErrnoException & { address: string; port: number } {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
