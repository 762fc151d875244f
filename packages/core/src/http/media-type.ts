import { trimSpacesAndTabs } from '../encoding/text-ends.js';

/**
 * The media type a `Content-Type` (or a JOSE `typ`, RFC 7515 §4.1.9) names: the type and subtype before
 * any parameter, without the spaces and tabs around them (RFC 9110 §8.3.1, §5.6.3), in lower case, as
 * media types compare. One reading for every check, so that two parts of @rs never disagree on what a
 * header names (a body the extractor reads as a form must be one the upstream rewriter sees as a form).
 *
 * @example
 * ```ts
 * mediaTypeOf('Application/X-WWW-Form-Urlencoded ; charset=utf-8'); // 'application/x-www-form-urlencoded'
 * ```
 */
export function mediaTypeOf(value: string): string {
  const semicolon = value.indexOf(';');
  return trimSpacesAndTabs(semicolon === -1 ? value : value.slice(0, semicolon)).toLowerCase();
}

/**
 * The content codings a `Content-Encoding` names, in the order they were applied (RFC 9110 §8.4), in lower
 * case: list elements between their spaces and tabs, without the empty ones (§5.6.1.2) and `identity`,
 * which leaves the body as it is. An empty list: the body is as sent.
 */
export function contentCodings(value: string): string[] {
  const codings: string[] = [];
  for (const element of value.split(',')) {
    const coding = trimSpacesAndTabs(element).toLowerCase();
    if (coding !== '' && coding !== 'identity') codings.push(coding);
  }
  return codings;
}

const NAMED_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/jwt',
  'application/token-introspection+jwt',
  'application/problem+json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'text/html',
  'text/plain',
  'text/xml',
]);
const TOP_LEVEL_TYPES: ReadonlySet<string> = new Set([
  'application',
  'audio',
  'font',
  'image',
  'message',
  'model',
  'multipart',
  'text',
  'video',
]);

/**
 * A server's `Content-Type` as a message may show it. The server chooses the header, which goes into
 * errors, logs and `status()`: one that echoes the request there (`token=…&…`, `Basic …`, the token as a
 * subtype) must not get the token or the client's credentials quoted. A message names the media types
 * servers answer with by mistake; of any other it names the registered top-level type only (RFC 6838
 * §4.2.1), which cannot hold a secret.
 *
 * @example
 * ```ts
 * shownMediaType('text/html; charset=utf-8'); // '"text/html"'
 * shownMediaType('application/2YotnFZFEjr1zCsicMWpAA'); // 'another application/… content type'
 * ```
 */
export function shownMediaType(contentType: string): string {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === '') return 'no content type';
  if (NAMED_MEDIA_TYPES.has(mediaType)) return JSON.stringify(mediaType);
  const slash = mediaType.indexOf('/');
  const topLevel = slash === -1 ? '' : mediaType.slice(0, slash);
  return TOP_LEVEL_TYPES.has(topLevel)
    ? `another ${topLevel}/… content type`
    : 'a content type that is no media type';
}
