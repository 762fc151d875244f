import type { Rejection } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';
import type { Response } from 'express';

/**
 * Answers with the rejection exactly: Node's `writeHead` rather than `res.set`, which would append a
 * charset to the content type, and the JSON body as core built it.
 */
export function sendRejection(res: Response, rejection: Rejection): void {
  res.writeHead(rejection.status, rejection.headers);
  res.end(rejectionBodyText(rejection));
}
