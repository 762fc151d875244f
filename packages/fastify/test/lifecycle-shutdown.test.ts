import { request } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { endChildren, type JwksServer, startChild, startJwksServer } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';

// Graceful shutdown as Kubernetes asks for it: SIGTERM, then the process must end by itself before
// SIGKILL. The application runs in a child process, from the built packages as it would import them,
// with the order of shutdown proposed for the README: stop accepting (app.close()), close the HTTP client
// (which ends the authorization-server exchanges still under way within its grace period), then wait for
// the server to finish. A request held by an introspection endpoint that hangs must be answered (503),
// not hold the shutdown until the introspection timeout, and the process must exit with nothing left.

// The grace period undiciHttpClient's close() gives requests under way before it cuts their connections.
const CLOSE_GRACE_MS = 1_000;
// The introspection timeout: far beyond any bound asserted, so that a request that ends did so because
// the client was closed, not because it timed out.
const INTROSPECTION_TIMEOUT_MS = 60_000;
// When to stop waiting for a child that does not exit: well under the introspection timeout.
const HUNG_AFTER_MS = 30_000;
// Room beyond it for the test to say that the child hung, rather than time out itself.
const TEST_TIMEOUT_MS = HUNG_AFTER_MS + 10_000;

const require = createRequire(import.meta.url);
const FASTIFY = pathToFileURL(require.resolve('fastify')).href;
const RS_FASTIFY = new URL('../dist/index.js', import.meta.url).href;

/**
 * The status a GET with a bearer token is answered with, on a connection closed after it: a client that
 * kept it alive would hold Fastify's close() until the server's keep-alive timeout, whatever @rs does.
 */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(
      url,
      { headers: { authorization: 'Bearer an-opaque-token', connection: 'close' } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end();
  });
}

let introspection: JwksServer | undefined;
afterEach(async () => {
  endChildren();
  await introspection?.close();
  introspection = undefined;
});

describe('a Fastify application shut down on SIGTERM', () => {
  it(
    'answers the request held by a hung introspection 503, refuses new ones, and exits by itself',
    async () => {
      // Any path of it hangs: the introspection endpoint of an authorization server that stopped answering.
      introspection = await startJwksServer({ keys: [] });
      introspection.hang();
      const child = startChild(
        `
      const { default: Fastify } = await import(args.fastify);
      const { fastifyResourceServer } = await import(args.rsFastify);
      const client = coreNode.undiciHttpClient();
      const app = Fastify();
      await app.register(fastifyResourceServer, {
        resolver: core.introspectionResolver({
          endpoint: args.endpoint, audience: 'https://api.example', httpClient: client, timeout: args.timeout,
          clientAuthentication: { method: 'client_secret_basic', clientId: 'api', clientSecret: 'a client secret long enough to be accepted' },
        }),
        realm: 'api',
      });
      app.get('/items', async () => ({ items: [] }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      process.once('SIGTERM', async () => {
        const start = performance.now();
        const stopped = app.close();
        await client.close();
        await stopped;
        report({ step: 'shut down', ms: performance.now() - start });
        await settle();
        report({ step: 'held', held: heldBeyondBaseline() });
      });
      report({ step: 'listening', port: app.server.address().port });`,
        {
          fastify: FASTIFY,
          rsFastify: RS_FASTIFY,
          endpoint: introspection.url,
          timeout: INTROSPECTION_TIMEOUT_MS,
        },
        HUNG_AFTER_MS,
      );
      const { port } = (await child.reported('listening')) as { port: number };
      const url = `http://127.0.0.1:${port}/items`;
      const held = statusOf(url);
      // Shut down once the introspection of that request is under way.
      while (introspection.requests === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      child.signal('SIGTERM');

      expect(await held).toBe(503);
      const outcome = await child.ended;
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      const shutDown = outcome.reports.find((entry) => entry.step === 'shut down');
      // Bounded by the client's grace period (a multiple of it, for a loaded machine), not the timeout.
      expect(shutDown?.ms).toBeLessThan(5 * CLOSE_GRACE_MS);
      expect(outcome.reports.find((entry) => entry.step === 'held')).toMatchObject({ held: [] });
      // Nothing accepts a request any more.
      await expect(statusOf(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    },
    TEST_TIMEOUT_MS,
  );
});
