import { certificateThumbprintConfirmation } from './certificate-thumbprint-confirmation.js';
import type { ConfirmationMethod } from './confirmation-method.js';
import { jwkConfirmation } from './jwk-confirmation.js';
import { jwkThumbprintConfirmation } from './jwk-thumbprint-confirmation.js';

/**
 * The confirmation methods @rs checks, in the order they check a request: a token bound with several
 * must pass every one. A new `cnf` method is one file and one entry here.
 */
export const CONFIRMATION_METHODS: readonly ConfirmationMethod[] = [
  certificateThumbprintConfirmation,
  jwkThumbprintConfirmation,
  jwkConfirmation,
];
