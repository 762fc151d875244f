import { runAdapterConformance } from '@rs/testkit';
import { createFetchResourceServer } from '../src/index.js';
import { conformanceHandler, conformanceInit, conformanceResponse } from './support/conformance-app.js';
import { serveFetch } from './support/node-bridge.js';

// The Fetch interface itself: real Request objects handed to the wrapped handler.
runAdapterConformance('fetch (direct)', {
  optionalAuthentication: true,
  async start(options, routes) {
    const handler = conformanceHandler(createFetchResourceServer(options), routes);
    return {
      request: async (request) =>
        conformanceResponse(
          await handler(new Request(`http://conformance.test${request.path}`, conformanceInit(request))),
        ),
      url: (path) => `${options.publicUrl ?? 'http://conformance.test'}${path}`,
      close: async () => {},
    };
  },
});

// The same handler behind a real HTTP server, with requests sent by a real client.
runAdapterConformance('fetch (over HTTP)', {
  optionalAuthentication: true,
  async start(options, routes) {
    const server = await serveFetch(conformanceHandler(createFetchResourceServer(options), routes));
    return {
      request: async (request) =>
        conformanceResponse(await fetch(`${server.url}${request.path}`, conformanceInit(request))),
      url: (path) => `${options.publicUrl ?? server.url}${path}`,
      close: () => server.close(),
    };
  },
});
