import { base64url } from 'jose';
import { withoutTrailing } from './text-ends.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\r ]/g;

/**
 * Decodes standard base64 (RFC 4648 §4), padded or not, ignoring line breaks and spaces (`base64` wraps
 * its output, and files end with a newline). `undefined` for anything else: a secret is never guessed.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  return decodeCompactBase64(text.replace(WHITESPACE, ''));
}

/**
 * Strict standard base64 (RFC 4648 §4, padding optional): not empty, no white space anywhere. For values
 * that arrive in one piece, such as a certificate in a proxy's header, where a space means tampering.
 */
export function decodeStrictBase64(text: string): Uint8Array | undefined {
  return text.length === 0 ? undefined : decodeCompactBase64(text);
}

function decodeCompactBase64(compact: string): Uint8Array | undefined {
  if (!BASE64.test(compact) || compact.length % 4 === 1) return undefined;
  const unpadded = withoutTrailing(compact, '=');
  if (compact.length % 4 !== 0 && compact.length !== unpadded.length) return undefined;
  try {
    return base64url.decode(unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
  } catch {
    return undefined;
  }
}
