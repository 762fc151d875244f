import { nodeBuiltin } from '../node-builtin.js';
import type { CompactJwsSpellingProof } from './compact-jws-spelling.js';
import { detachedCopy } from './detached-copy.js';

/** A `Buffer`, with the methods that decode into it and wipe it. */
interface ScratchBuffer extends Uint8Array {
  write(text: string, offset: number, length: number, encoding: 'base64url'): number;
  fill(value: number, start: number, end: number): this;
}
interface NodeBufferClass {
  alloc(size: number): ScratchBuffer;
}

const NodeBuffer = (nodeBuiltin('node:buffer') as { Buffer?: NodeBufferClass } | undefined)?.Buffer;

// A character the decoder would read as its low byte. V8 answers at once for a string stored one byte
// per character, as header values are, where no such character can be: no scan, unlike
// `Buffer.byteLength`, which walks a token sliced out of its header a character at a time.
const WIDE_CHARACTER = /[^\0-\xff]/;

// Longer tokens are left to the regular expression (and most resolvers refuse them anyway: 16 384
// characters by default): the scratch buffer stays small.
const MAX_PROVEN_CHARS = 64 * 1024;
let scratch: ScratchBuffer | undefined;
// The header segment of the last token proven (the header, not the claims or the signature). A header
// longer than this (a certificate chain in `x5c`) is decoded every time rather than copied every time.
const MAX_REMEMBERED_HEADER_CHARS = 1024;
let provenHeader = '';

/**
 * The Node proof for {@link isCompactJwsSpelling}, `undefined` off Node. Node's base64url decoder (its
 * own, or simdutf's with a fall-back to its own) reads the union of both base64 alphabets and skips
 * every other character (whitespace, `\0`, `!`, `~`, Latin-1 beyond ASCII…) or stops at `=`. So a string
 * is in the base64url alphabet when it holds no `+`, `/` or `=`, no character above U+00FF (the decoder
 * would read it as its low byte), and each segment decodes to all the bytes its length
 * implies: a skipped character leaves `m < n` characters, and `m` characters decode to fewer bytes than
 * `n` do unless `n` is one more than a multiple of 4, a length left to the regular expression. `memchr`
 * searches and the native decoder cost a fraction of a scan a character at a time, and the decoded
 * bytes are wiped at once: they are the token's.
 */
export const nodeCompactJwsSpellingProof: CompactJwsSpellingProof | undefined =
  NodeBuffer === undefined ? undefined : (value) => provenSpelling(NodeBuffer, value);

function provenSpelling(buffers: NodeBufferClass, value: string): boolean {
  const headerEnd = value.indexOf('.');
  if (headerEnd <= 0 || value.length > MAX_PROVEN_CHARS) return false;
  const payloadEnd = value.indexOf('.', headerEnd + 1);
  if (payloadEnd === -1 || value.indexOf('.', payloadEnd + 1) !== -1) return false;
  if (value.includes('+') || value.includes('/') || value.includes('=')) return false;
  if (WIDE_CHARACTER.test(value)) return false;
  scratch ??= buffers.alloc(MAX_PROVEN_CHARS);
  const buffer = scratch;
  // An issuer signs every token with the same header: one proven before needs no second decoding.
  // (Equality, which V8 compares in bulk, rather than `startsWith`, which costs several times as much.)
  const header = value.slice(0, headerEnd);
  const headerProven = header === provenHeader;
  try {
    const proven =
      (headerProven || decodesWhole(buffer, header)) &&
      decodesWhole(buffer, value.slice(headerEnd + 1, payloadEnd)) &&
      decodesWhole(buffer, value.slice(payloadEnd + 1));
    // A copy (the segment is a view into the token), and only of a header of common size.
    if (proven && !headerProven && headerEnd <= MAX_REMEMBERED_HEADER_CHARS)
      provenHeader = detachedCopy(header);
    return proven;
  } finally {
    // Every segment decodes to fewer bytes than the whole has characters.
    buffer.fill(0, 0, value.length);
  }
}

/** Whether every character of the segment is one the decoder read. */
function decodesWhole(buffer: ScratchBuffer, segment: string): boolean {
  const chars = segment.length;
  if (chars % 4 === 1) return false;
  return buffer.write(segment, 0, buffer.length, 'base64url') === (chars * 3) >>> 2;
}
