import { connect } from 'node:net';

/**
 * Sends one HTTP/2 request over cleartext (prior knowledge, RFC 9113 §3.3) with its field lines written
 * by hand, so that a field may come twice: Node's own client refuses to send a second `Authorization`
 * (a single-value field to it), which a client of another make may well send. Waits until the server has
 * answered or closed the stream; the answer itself is read on the server side.
 */
export async function sendRawHttp2(
  port: number,
  fields: readonly (readonly [string, string])[],
): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const block = Buffer.concat(fields.map(([name, value]) => literalField(name, value)));
  socket.write(
    Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
      frame(SETTINGS, 0, 0, Buffer.alloc(0)),
      frame(HEADERS, END_STREAM | END_HEADERS, 1, block),
    ]),
  );
  await new Promise<void>((resolve) => {
    let received = Buffer.alloc(0);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (streamEnded(received)) done();
    });
    socket.on('close', done).on('error', done);
  });
}

const HEADERS = 1;
const SETTINGS = 4;
const RST_STREAM = 3;
const GOAWAY = 7;
const DATA = 0;
const END_STREAM = 1;
const END_HEADERS = 4;

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK literal field line without indexing, new name (RFC 7541 §6.2.2), no Huffman coding. */
function literalField(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.of(0), hpackString(name), hpackString(value)]);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7), bytes]);
}

/** RFC 7541 §5.1 integer with an N-bit prefix (the high bits left 0). */
function hpackInteger(value: number, prefixBits: number): Buffer {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) return Buffer.of(value);
  const bytes = [limit];
  let rest = value - limit;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Whether the frames received so far end stream 1 (END_STREAM, RST_STREAM) or the connection (GOAWAY). */
function streamEnded(received: Buffer): boolean {
  for (let at = 0; at + 9 <= received.length; ) {
    const length = received.readUIntBE(at, 3);
    const type = received[at + 3]!;
    const flags = received[at + 4]!;
    const stream = received.readUInt32BE(at + 5) & 0x7fffffff;
    if (type === GOAWAY) return true;
    if (
      stream === 1 &&
      (type === RST_STREAM || ((type === DATA || type === HEADERS) && (flags & END_STREAM) !== 0))
    )
      return true;
    at += 9 + length;
  }
  return false;
}
