import formBody from '@fastify/formbody';
import { type ConformanceDriver, conformanceEcho, runAdapterConformance, sendHttp } from '@rs/testkit';
import Fastify from 'fastify';
import { rsFastify } from '../src/index.js';

const driver: ConformanceDriver = {
  async start(options, routes) {
    // The suite sends a 20 KB token, beyond Node's default 16 KiB header limit (which would answer 431).
    const app = Fastify({ http: { maxHeaderSize: 64 * 1024 } });
    await app.register(formBody);
    await app.register(rsFastify, options);
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.path,
        config: { rs: route.policy },
        handler: async (request) => conformanceEcho(request.oauth2!),
      });
    }
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    return { request: (request) => sendHttp(baseUrl, request), close: () => app.close() };
  },
};

runAdapterConformance('fastify', driver);
