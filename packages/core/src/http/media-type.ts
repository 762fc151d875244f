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
