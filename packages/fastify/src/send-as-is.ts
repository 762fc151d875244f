import type { FastifyReply } from 'fastify';

const asIs = (text: string): string => text;

/**
 * Sends text that core rendered (a rejection, a metadata document) exactly as it is: Fastify's own JSON
 * path would append `; charset=utf-8` to core's content type, and every adapter must send the same
 * headers.
 */
export function sendAsIs(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
): FastifyReply {
  return reply.code(status).headers(headers).serializer(asIs).send(text);
}
