import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  DiscoveryError,
  HttpClientError,
  IntrospectionError,
  JwkSetError,
  jwtResolver,
  RsConfigError,
  RsError,
  remoteJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';

describe('RsError: one shape for every thrown error', () => {
  it('gives each error class a stable code and the RsError base', () => {
    const errors: [RsError, string][] = [
      [new HttpClientError('ERR_RS_HTTP_TIMEOUT', 'timed out'), 'ERR_RS_HTTP_TIMEOUT'],
      [
        new IntrospectionError('ERR_RS_INTROSPECTION_UNAVAILABLE', 'down'),
        'ERR_RS_INTROSPECTION_UNAVAILABLE',
      ],
      [new DiscoveryError('ERR_RS_DISCOVERY_INVALID', 'bad metadata'), 'ERR_RS_DISCOVERY_INVALID'],
      [new JwkSetError('ERR_RS_JWKS_MALFORMED', 'not a set'), 'ERR_RS_JWKS_MALFORMED'],
    ];
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(RsError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).not.toBe('Error');
    }
  });

  it('throws RsConfigError (code ERR_RS_CONFIG) at start-up', () => {
    let thrown: unknown;
    try {
      // Several issuers and no keys: keys are discovered for one issuer only.
      jwtResolver({
        issuer: ['https://as.example.com', 'https://as2.example.com'],
        audience: 'https://api.example.com',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RsConfigError);
    expect(thrown).toBeInstanceOf(RsError);
    expect((thrown as RsError).code).toBe('ERR_RS_CONFIG');
  });

  it('keeps instanceof across entries: an error of the @rs/core/node HTTP client is the root RsError', async () => {
    // A real server on loopback that never answers: the undici client gives up with its own error.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = undiciHttpClient();
    try {
      const failure = await client
        .send({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 200, maxResponseBytes: 1024 })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(HttpClientError);
      expect(failure).toBeInstanceOf(RsError);
      expect((failure as RsError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports JWK set problems to onFetchError as RsErrors with codes', async () => {
    const server = createServer((_request, response) => response.end('not json'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const reported: unknown[] = [];
    try {
      const keys = remoteJwks({
        url: `http://127.0.0.1:${port}/jwks`,
        onFetchError: (error) => reported.push(error),
      });
      await keys.keysFor({ alg: 'RS256', kid: 'k1' }, Date.now());
      expect(reported[0]).toBeInstanceOf(RsError);
      expect((reported[0] as RsError).code).toBe('ERR_RS_JWKS_MALFORMED');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
