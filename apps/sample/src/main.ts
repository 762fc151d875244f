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
import { senderConstrainedCurl } from './sender-constrained-curl.js';
import { buildTlsApi } from './sender-constrained-routes.js';
import { createDemoPki, type DemoPki } from './tls/demo-pki.js';
import { parseTlsPorts, type TlsPorts } from './tls/tls-config.js';

/** Appended to the API's URL, the resource indicator for which the embedded server issues opaque tokens. */
const OPAQUE_RESOURCE_PATH = '/opaque';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const ports = parseTlsPorts(process.env);
  const apiUrl = urlOf(HOST, config.port);
  const tlsApiUrl = urlOf(HOST, ports.tlsPort, 'https');
  // Made fresh at every start, so no private key is committed; removed on shutdown.
  const pki = createDemoPki();
  let authorizationServer: AuthorizationServer | undefined;
  let api: FastifyInstance | undefined;
  let tlsApi: FastifyInstance | undefined;
  let trust: ApiConfig;
  try {
    ({ trust, authorizationServer } = await establishTrust(config, apiUrl, pki, ports));
    api = await buildApi(trust);
    await api.listen({ host: HOST, port: config.port });
    tlsApi = await buildTlsApi(trust, { keyPem: pki.serverKeyPem, certPem: pki.serverCertPem });
    await tlsApi.listen({ host: HOST, port: ports.tlsPort });
  } catch (error) {
    await api?.close();
    await authorizationServer?.close();
    pki.cleanup();
    throw error;
  }
  // Together, and each dropping the connections still open after a short grace (http-server.ts), so that
  // Ctrl+C is prompt whatever a client (a browser on the console) keeps open.
  onShutdown(async () => {
    await Promise.all([tlsApi?.close(), api?.close(), authorizationServer?.close()]);
    pki.cleanup();
  });

  console.log(
    authorizationServer
      ? `Authorization server (embedded): ${authorizationServer.issuer}`
      : `Authorization server (external): ${trust.issuer}`,
  );
  if (trust.console) console.log(`Console (open in a browser): ${apiUrl}/`);
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
  console.log(`\nSender-constrained API (https, asks for client certificates): ${tlsApiUrl}`);
  if (authorizationServer?.mtlsTokenUrl) {
    console.log(
      `\n${senderConstrainedCurl({
        apiUrl,
        tlsApiUrl,
        resource: apiUrl,
        tokenUrl: authorizationServer.tokenUrl,
        mtlsTokenUrl: authorizationServer.mtlsTokenUrl,
        client: authorizationServer.client,
        mtlsClient: authorizationServer.mtlsClient,
        serverCertPath: pki.serverCertPath,
        clientCertPath: pki.clientCertPath,
        clientKeyPath: pki.clientKeyPath,
        dpopProof: distCommand('dpop-proof.js'),
      })}`,
    );
  }
  console.log('\nPress Ctrl+C to stop.');
}

// The mint command beside this file in dist/, as a path from the current directory, quoted if it must be.
function mintCommand(): string {
  return distCommand('mint-am-token.js');
}

function distCommand(file: string): string {
  const path = relative(process.cwd(), fileURLToPath(new URL(`./${file}`, import.meta.url)));
  return `node ${/^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`}`;
}

async function establishTrust(
  config: SampleConfig,
  apiUrl: string,
  pki: DemoPki,
  ports: TlsPorts,
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
      // The token endpoint over TLS reads the client certificate it binds tokens to.
      tls: { port: ports.asTlsPort, keyPem: pki.serverKeyPem, certPem: pki.serverCertPem },
    });
    const { issuer, jwksUrl, introspectionUrl, resourceServer } = authorizationServer;
    const introspection = {
      issuer,
      endpoint: introspectionUrl,
      audience: opaqueResource,
      ...resourceServer,
    };
    const { tokenUrl, revocationUrl, client } = authorizationServer;
    const consoleSettings = {
      tokenUrl,
      revocationUrl,
      client,
      resource: apiUrl,
      opaqueResource,
      publicUrl: apiUrl,
    };
    return {
      trust: {
        issuer,
        audience: apiUrl,
        jwksUrl,
        introspection,
        publicUrl: apiUrl,
        console: consoleSettings,
      },
      authorizationServer,
    };
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
      publicUrl: apiUrl,
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
      `sample: ${error.address}:${error.port} is in use; choose other ports with PORT, AS_PORT, TLS_PORT and AS_TLS_PORT`,
    );
  } else {
    console.error('sample: failed to start:', error);
  }
  process.exit(1);
});

function isAddressInUse(error: unknown): error is NodeJS.ErrnoException & { address: string; port: number } {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
