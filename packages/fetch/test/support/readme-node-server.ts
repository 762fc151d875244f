import { createServer, type Server } from 'node:http';
import { requestUrl } from '@rs/core/adapter';

/**
 * The README's `node:http` recipe, as written there, around `handler` (the README's `listItems`).
 * Kept in step with the README by hand: the tests below prove what the recipe promises.
 */
export function readmeNodeServer(handler: (request: Request) => Promise<Response>): Server {
  const listItems = handler;
  const MAX_BODY_BYTES = 1024 * 1024;

  return createServer(async (incoming, outgoing) => {
    // Everything inside the try: a client that goes away mid-body, or a handler that throws, would
    // otherwise reject this listener's promise, and Node ends the process on an unhandled rejection.
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of incoming) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          outgoing.writeHead(413, { connection: 'close' }).end();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const headers = new Headers();
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
        headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
      }
      const method = incoming.method ?? 'GET';
      let request: Request;
      try {
        // requestUrl reads an absolute-form target and percent-encodes what a Host header cannot hold, so
        // that `Host: localhost/x?` cannot move the path into the query.
        const url = requestUrl(undefined, 'http', incoming.headers.host, incoming.url ?? '/');
        request = new Request(url, {
          method,
          headers,
          body: method === 'GET' || method === 'HEAD' ? null : Buffer.concat(chunks),
        });
      } catch {
        outgoing.writeHead(400).end();
        return;
      }
      const response = await listItems(request);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      if (!outgoing.headersSent) outgoing.writeHead(500);
      outgoing.end();
    }
  });
}
