import type { Rejection } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';
import type { Response } from 'express';
import { sendAsIs } from './send-as-is.js';

/** Answers with the rejection exactly: core's status, headers and body, framed by {@link sendAsIs}. */
export function sendRejection(res: Response, rejection: Rejection): void {
  sendAsIs(res, rejection.status, rejection.headers, rejectionBodyText(rejection));
}
