import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a frozen host, or a proxy whose
 * backend is gone, as a Redis client sees it. It never closes a connection by itself either, so a client
 * that gets out of one has cut it itself.
 */
export interface SilentServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections accepted and still open: only the client can end them while the server runs. */
  readonly held: number;
  /** Stops accepting connections (the port is free again); those already accepted stay open. */
  stopListening(): Promise<void>;
  /** Cuts every connection still held and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a {@link SilentServer} on `port` (a free one when 0). With `reply`, it writes that back once for
 * each chunk it receives before falling silent again: something that is not the answer the client waits
 * for (nonsense, a wrong type, the start of a reply that never ends).
 */
export async function startSilentServer(port = 0, reply?: string): Promise<SilentServer> {
  const held = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    held.add(socket);
    // Reads what the client sends (its handshake, its commands), and never answers it.
    socket.on('data', () => {
      if (reply !== undefined) socket.write(reply);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => held.delete(socket));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the silent server has no port');
  const stopListening = async () => {
    if (!server.listening) return;
    // close() stops accepting at once; its callback waits for the held connections, which it must not.
    server.close();
  };
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    get held() {
      return held.size;
    },
    stopListening,
    async close() {
      for (const socket of held) socket.destroy();
      await stopListening();
    },
  };
}
