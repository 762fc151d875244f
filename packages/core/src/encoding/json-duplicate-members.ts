/**
 * What {@link checkJsonMemberNames} found: every object names each of its members once (`unique`), an
 * object names one member twice (`duplicate`), or objects and arrays nest deeper than allowed
 * (`too-deep`).
 */
export type JsonMemberNames = 'unique' | 'duplicate' | 'too-deep';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether a JSON text names a member twice in one object. `JSON.parse` keeps the last of two members of
 * one name (`{"active":false,"active":true}` is active), while another reader may keep the first: such
 * a text means two things, and RFC 8259 §4 leaves it to the reader. Names are compared as JSON reads
 * them, escapes decoded (`"\u0061ctive"` is `"active"`).
 *
 * One pass over `json`, which must be text `JSON.parse` accepted (other text gives no meaningful
 * answer, but the scan still ends); memory grows with the nesting, which is refused beyond `maxDepth`
 * levels of objects and arrays.
 */
export function checkJsonMemberNames(json: string, maxDepth: number): JsonMemberNames {
  // One entry per open object (the names seen so far) or array (`undefined`).
  const open: (Set<string> | undefined)[] = [];
  let names: Set<string> | undefined;
  // Whether the next string is a member name: right after `{`, or after `,` inside an object.
  let nameNext = false;
  const end = json.length;
  let i = 0;
  while (i < end) {
    const code = json.charCodeAt(i);
    if (code === QUOTE) {
      let close = i + 1;
      let escaped = false;
      while (close < end) {
        const inner = json.charCodeAt(close);
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) {
          escaped = true;
          close++;
        }
        close++;
      }
      if (nameNext && names !== undefined) {
        const name = escaped ? decodedName(json.slice(i, close + 1)) : json.slice(i + 1, close);
        if (names.has(name)) return 'duplicate';
        names.add(name);
        nameNext = false;
      }
      i = close + 1;
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (open.length >= maxDepth) return 'too-deep';
      names = code === OPEN_BRACE ? new Set() : undefined;
      open.push(names);
      nameNext = names !== undefined;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      open.pop();
      names = open.length === 0 ? undefined : open[open.length - 1];
      nameNext = false;
    } else if (code === COMMA) {
      nameNext = names !== undefined;
    } else if (code === COLON) {
      nameNext = false;
    }
    i++;
  }
  return 'unique';
}

/** A quoted JSON string with escapes, as JSON reads it; text that is no JSON string stays as it is. */
function decodedName(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}
