import {
  type ConformanceOptions,
  type ConformanceRequest,
  type ConformanceResponse,
  type ConformanceRoute,
  conformanceBody,
  conformanceEcho,
  runAdapterConformance,
} from '@rs/testkit';
import type { FetchResourceServer } from '../../src/index.js';
import { serveFetch } from './node-bridge.js';

/**
 * The shared conformance suite through a Fetch resource server factory, twice: real `Request` objects
 * handed to the wrapped handler, and the same handler behind a real HTTP server with requests sent by a
 * real client. `lite`: the factory is `@rs/fetch/lite`'s, so the cases of what it leaves out are not run.
 */
export function runFetchConformance(
  name: string,
  create: (options: ConformanceOptions) => FetchResourceServer,
  lite = false,
): void {
  runAdapterConformance(`${name} (direct)`, {
    optionalAuthentication: true,
    lite,
    async start(options, routes) {
      const handler = conformanceHandler(create(options), routes);
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
  runAdapterConformance(`${name} (over HTTP)`, {
    optionalAuthentication: true,
    lite,
    async start(options, routes) {
      const server = await serveFetch(conformanceHandler(create(options), routes));
      return {
        request: async (request) =>
          conformanceResponse(await fetch(`${server.url}${request.path}`, conformanceInit(request))),
        url: (path) => `${options.publicUrl ?? server.url}${path}`,
        close: () => server.close(),
      };
    },
  });
}

/** The conformance routes as one Fetch handler, routing on method and path like any small router. */
export function conformanceHandler(
  rs: FetchResourceServer,
  routes: readonly ConformanceRoute[],
): (request: Request) => Promise<Response> {
  const handlers = new Map(
    routes.map((route) => [
      `${route.method} ${route.path}`,
      route.optional
        ? rs.protectOptional((_request, oauth2) => Response.json(conformanceEcho(oauth2)), route.policy)
        : rs.protect((_request, oauth2) => Response.json(conformanceEcho(oauth2)), route.policy),
    ]),
  );
  return async (request) => {
    const handler = handlers.get(`${request.method} ${new URL(request.url).pathname}`);
    return handler ? handler(request) : new Response(null, { status: 404 });
  };
}

/**
 * The `RequestInit` a client sends for a conformance request; a form goes as form-urlencoded (see
 * `conformanceBody`). A repeated
 * header is appended once per value, which the Fetch API joins with a comma.
 */
export function conformanceInit(request: ConformanceRequest): RequestInit {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    for (const each of typeof value === 'string' ? [value] : value) headers.append(name, each);
  }
  const init: RequestInit = { method: request.method, headers };
  const sent = conformanceBody(request);
  if (sent !== undefined) {
    for (const [name, value] of Object.entries(sent.headers)) headers.set(name, value);
    init.body = sent.body;
  }
  return init;
}

/** Reads a response the way the suite compares it. */
export async function conformanceResponse(response: Response): Promise<ConformanceResponse> {
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: text === '' ? undefined : jsonOrText(text),
  };
}

/** JSON bodies parsed; a text body an application's failure answer chose stays text. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
