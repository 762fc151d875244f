import { hasStrayCharacters } from './option-schema.js';

/**
 * Why a shared secret given as text cannot be what was meant, or `undefined`: white space at either end or a
 * control character (a line break kept from the file or the secret manager it was read from). The issuer
 * signs with the secret without it, so every token would be refused as badly signed, with no word on why.
 * Spaces inside stay allowed; `verbatim` says how to give a secret that really holds such bytes. The
 * message never repeats the secret.
 */
export function secretTextProblem(text: string, verbatim: string): string | undefined {
  return hasStrayCharacters(text)
    ? 'begins or ends with white space or holds a control character (a line break read from a file with ' +
        `it?): give the secret without it, or ${verbatim} if it really holds them`
    : undefined;
}
