import { connect } from 'node:net';

/**
 * Sends one HTTP/1.1 request written by hand on a connection of its own (`Connection: close`), for the
 * request forms a client library will not send (the asterisk-form `OPTIONS *`, a target Node's client
 * would rewrite); `Host` is `127.0.0.1:port`. Resolves the status code of the answer, once the server has
 * closed the connection.
 *
 * @example
 * ```ts
 * const status = await sendRawHttp1(port, 'OPTIONS * HTTP/1.1', { authorization: `Bearer ${token}` });
 * ```
 */
export function sendRawHttp1(
  port: number,
  requestLine: string,
  headers: Readonly<Record<string, string>>,
): Promise<number> {
  const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        `${requestLine}\r\nHost: 127.0.0.1:${port}\r\n${fields.join('')}Connection: close\r\n\r\n`,
      ),
    );
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1])));
    socket.on('error', reject);
  });
}
