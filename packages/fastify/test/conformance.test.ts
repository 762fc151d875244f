import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import formBody from '@fastify/formbody';
import { type ConformanceDriver, conformanceEcho, runAdapterConformance, sendHttp } from '@rs/testkit';
import Fastify from 'fastify';
import { fastifyResourceServer } from '../src/index.js';

const driver: ConformanceDriver = {
  connectionCertificates: true,
  peerAddress: '127.0.0.1',
  optionalAuthentication: true,
  async start(options, routes, tls) {
    // The suite sends a 20 KB token, beyond Node's default 16 KiB header limit (which would answer 431).
    // With TLS, the server asks for a client certificate without judging its chain (RFC 8705 §3).
    const app = Fastify({
      serverFactory: (handler) =>
        tls === undefined
          ? createServer({ maxHeaderSize: 64 * 1024 }, handler)
          : createTlsServer(
              { maxHeaderSize: 64 * 1024, ...tls, requestCert: true, rejectUnauthorized: false },
              handler,
            ),
    });
    await app.register(formBody);
    await app.register(fastifyResourceServer, options);
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.path,
        config: { rs: route.optional ? { ...route.policy, optional: true } : route.policy },
        handler: async (request) => conformanceEcho(request.oauth2 ?? undefined),
      });
    }
    const listening = await app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = tls === undefined ? listening : listening.replace('http:', 'https:');
    return {
      request: (request) => sendHttp(baseUrl, request, tls?.ca),
      url: (path) => `${options.publicUrl ?? baseUrl}${path}`,
      close: () => app.close(),
    };
  },
};

runAdapterConformance('fastify', driver);
