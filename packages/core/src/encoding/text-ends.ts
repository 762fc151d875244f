// Scans by hand, in place of `/^[ \t]+|[ \t]+$/` and `/\/+$/`: a backtracking regular expression engine
// tries an unanchored run such as `[ \t]+$` from each character of the run when something else follows
// it, so a header or option of n spaces then one letter costs n² steps (16 000 spaces: about 300 ms).

const SPACE = 0x20;
const TAB = 0x09;

function isSpaceOrTab(code: number): boolean {
  return code === SPACE || code === TAB;
}

/**
 * `text` without the spaces and tabs at either end: the optional white space (OWS) around a field value or
 * a list element (RFC 9110 §5.6.3). Other white space, a no-break space or a line break, stays. Linear in
 * the length of `text`, whatever it holds.
 *
 * @example
 * ```ts
 * trimSpacesAndTabs(' \tidentity '); // 'identity'
 * trimSpacesAndTabs('\u00a0gzip'); // '\u00a0gzip'
 * ```
 */
export function trimSpacesAndTabs(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceOrTab(text.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * `text` without the run of `character` (one UTF-16 code unit) it ends with, as `/x+$/` would remove it.
 * Linear in the length of `text`, whatever it holds.
 *
 * @example
 * ```ts
 * withoutTrailing('https://as.example.com/openam//', '/'); // 'https://as.example.com/openam'
 * ```
 */
export function withoutTrailing(text: string, character: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === character) end--;
  return end === text.length ? text : text.slice(0, end);
}
