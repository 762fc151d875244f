import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server in front of a Fetch handler. */
export interface BridgeServer {
  readonly url: string;
  close(): Promise<void>;
}

// Connection-level headers belong to the hop, not to the request handed on.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/**
 * Serves a Fetch handler from Node's http module: each request becomes a `Request` (repeated headers
 * appended, as runtimes with a native Fetch server do) and the `Response` is written back.
 */
export async function serveFetch(handler: (request: Request) => Promise<Response>): Promise<BridgeServer> {
  // The conformance suite sends a 20 000-character token in a header; Node's default limit is 16 KiB.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
      const name = incoming.rawHeaders[i]!;
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, incoming.rawHeaders[i + 1]!);
    }
    const method = incoming.method ?? 'GET';
    const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    const response = await handler(request);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections would hold close() open (Node drops them itself; Deno does not).
        server.closeAllConnections();
      }),
  };
}
