import { inspect } from 'node:util';

/**
 * The spellings a secret may take once copied somewhere: as written, base64, base64url, URL-encoded
 * (as in a form or a query) and hex. A leak through any of them is a leak.
 */
export function spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    ...new Set([
      secret,
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      encodeURIComponent(secret),
      new URLSearchParams([['', secret]]).toString().slice(1),
      bytes.toString('hex'),
    ]),
  ].filter((spelling) => spelling.length >= 8);
}

/** Long secrets (tokens, keys) leak by any part: the search looks for a slice of each spelling. */
function needles(secret: string): string[] {
  return spellings(secret).map((spelling) => (spelling.length > 40 ? spelling.slice(-24) : spelling));
}

/** Which of `secrets` appear in `text` in any spelling, each named by its first characters only. */
export function leaked(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets)
    for (const needle of needles(secret))
      if (text.includes(needle)) found.push(`${secret.slice(0, 10)}… as ${needle.slice(0, 10)}…`);
  return found;
}

/**
 * Every way an error is commonly written out: its message, `String()`, its stack, `JSON.stringify`, and
 * Node's inspection (hidden members and the whole `cause` chain included), then the same for each cause.
 */
export function everyRendering(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current: unknown = error; current !== undefined && !seen.has(current); ) {
    seen.add(current);
    parts.push(String(current), inspect(current, { depth: 10, showHidden: true, getters: true }));
    try {
      parts.push(JSON.stringify(current) ?? '');
    } catch (reason) {
      parts.push(String(reason));
    }
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '');
      current = current.cause;
    } else break;
  }
  return parts.join('\n');
}
