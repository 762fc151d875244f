import type { Response } from 'express';

/**
 * Sends text that core rendered (a rejection, a metadata document) exactly as it is, with its
 * `Content-Length`: Node's `writeHead` rather than `res.set`, which would append a charset to core's
 * content type. Once `writeHead` has sent the head, Node no longer counts what `end()` writes and frames
 * the body as chunked instead, where the other adapters send a length (and a `HEAD` answer would carry no
 * length at all): every adapter must send the same headers.
 */
export function sendAsIs(
  res: Response,
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
