import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

/** A port on 127.0.0.1 that forwards every connection to another: a node that became reachable late. */
export interface TcpForwarder {
  readonly port: number;
  /** Cuts every forwarded connection and stops listening. */
  close(): Promise<void>;
}

/** Listens on `port` and forwards each connection to `targetPort` on 127.0.0.1. */
export async function startTcpForwarder(port: number, targetPort: number): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const target = connect({ host: '127.0.0.1', port: targetPort });
    track(client);
    track(target);
    client.pipe(target);
    target.pipe(client);
    // Either end gone: the other goes too.
    client.once('close', () => target.destroy());
    target.once('close', () => client.destroy());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
