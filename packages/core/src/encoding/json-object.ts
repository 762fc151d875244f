import { base64url } from 'jose';
import { decodeUtf8 } from './utf8.js';

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object from strict UTF-8 bytes or from text (a JOSE header, a claim set), or `undefined`
 * when the input holds anything else: malformed UTF-8, invalid JSON, or JSON that is not an object.
 */
export function parseJsonObject(input: Uint8Array | string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(typeof input === 'string' ? input : decodeUtf8(input));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes one base64url segment holding a JSON object, or `undefined` when it is anything else. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    return parseJsonObject(base64url.decode(segment));
  } catch {
    return undefined;
  }
}
