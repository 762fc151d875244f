import { nodeBuiltin } from '../node-builtin.js';
import type { CompactJwsSpellingProof } from './compact-jws-spelling.js';
import { detachedCopy } from './detached-copy.js';

/** A `Buffer`, with the method that writes into it. */
export interface NodeScratchBuffer extends Uint8Array {
  write(text: string, offset: number, length: number, encoding: 'latin1' | 'base64url'): number;
}
interface NodeBufferClass {
  alloc(size: number): NodeScratchBuffer;
}

const NodeBuffer = (nodeBuiltin('node:buffer') as { Buffer?: NodeBufferClass | undefined } | undefined)
  ?.Buffer;

// A character the decoder would read as its low byte. V8 answers at once for a string stored one byte
// per character, as header values are, where no such character can be: no scan, unlike
// `Buffer.byteLength`, which walks a token sliced out of its header a character at a time.
const WIDE_CHARACTER = /[^\0-\xff]/;

// Longer tokens are left to the regular expression (and most resolvers refuse them anyway: 16 384
// characters by default): the scratch buffer stays small.
const MAX_PROVEN_CHARS = 64 * 1024;
let scratch: NodeScratchBuffer | undefined;
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
 * searches and the native decoder cost a fraction of a scan a character at a time. The decoded header
 * is wiped at once; the signature and the payload stay for the signature check that usually follows in
 * the same synchronous step ({@link decodedSegmentsOf}), and are wiped by it, by the next proof, or by a
 * microtask the proof queues, whichever comes first.
 */
export const nodeCompactJwsSpellingProof: CompactJwsSpellingProof | undefined =
  NodeBuffer === undefined ? undefined : (value) => provenSpelling(NodeBuffer, value);

function provenSpelling(buffers: NodeBufferClass, value: string): boolean {
  // Every proof, whatever it finds, first wipes what the one before left for the signature check.
  releaseDecodedSegments();
  const headerEnd = value.indexOf('.');
  if (headerEnd <= 0 || value.length > MAX_PROVEN_CHARS) return false;
  const payloadEnd = value.indexOf('.', headerEnd + 1);
  if (payloadEnd === -1 || value.indexOf('.', payloadEnd + 1) !== -1) return false;
  if (value.includes('+') || value.includes('/') || value.includes('=')) return false;
  if (WIDE_CHARACTER.test(value)) return false;
  scratch ??= buffers.alloc(MAX_PROVEN_CHARS);
  const buffer = scratch;
  const layout = decodedLayout(value, headerEnd, payloadEnd);
  // A token too long for the layout is proven all the same, each segment decoded at the start.
  const keep = layout.end <= buffer.length;
  // An issuer signs every token with the same header: one proven before needs no second decoding.
  // (Equality, which V8 compares in bulk, rather than `startsWith`, which costs several times as much.)
  const header = value.slice(0, headerEnd);
  const headerProven = header === provenHeader;
  let proven = false;
  try {
    proven =
      (headerProven || decodesWhole(buffer, header, 0)) &&
      decodesWhole(buffer, value.slice(payloadEnd + 1), keep ? layout.signatureStart : 0) &&
      decodesWhole(buffer, value.slice(headerEnd + 1, payloadEnd), keep ? layout.payloadStart : 0);
    // A copy (the segment is a view into the token), and only of a header of common size.
    if (proven && !headerProven && headerEnd <= MAX_REMEMBERED_HEADER_CHARS)
      provenHeader = detachedCopy(header);
    return proven;
  } finally {
    if (proven && keep) {
      // The decoded header (when decoded) goes at once; the signature and the payload stay for the
      // signature check. Nothing else was written: every proof and check leaves the buffer zeroed.
      if (!headerProven) wipe(buffer, 0, (headerEnd * 3) >>> 2);
      decodedToken = value;
      decodedEnd = layout.end;
      if (!releaseQueued) {
        releaseQueued = true;
        void settled.then(releaseQueuedSegments);
      }
    } else {
      // Every segment decodes to fewer bytes than the whole has characters, and the layout ends within.
      wipe(buffer, 0, Math.max(value.length, keep ? layout.end : 0));
    }
  }
}

/** Whether every character of the segment is one the decoder read (decoded at `offset`). */
function decodesWhole(buffer: NodeScratchBuffer, segment: string, offset: number): boolean {
  const chars = segment.length;
  if (chars % 4 === 1) return false;
  return buffer.write(segment, offset, buffer.length - offset, 'base64url') === (chars * 3) >>> 2;
}

/**
 * Where a compact JWS's bytes go when its signature is checked on Node: the signing input, one byte a
 * character, from 0 up to `signatureStart` (the second dot's index); the decoded signature from there up
 * to `payloadStart`; the decoded payload from there up to `end`. Unpadded base64url decodes to 3 bytes
 * for every 4 characters, rounded down; the segments are canonical (proven, or matched by the regular
 * expression and checked by `parseCompactJws`), so each fills its place exactly.
 */
export function decodedLayout(
  token: string,
  headerEnd: number,
  payloadEnd: number,
): { readonly signatureStart: number; readonly payloadStart: number; readonly end: number } {
  const signatureStart = payloadEnd;
  const payloadStart = signatureStart + (((token.length - payloadEnd - 1) * 3) >>> 2);
  return { signatureStart, payloadStart, end: payloadStart + (((payloadEnd - headerEnd - 1) * 3) >>> 2) };
}

// The token the last proof vouched for, while its decoded signature and payload wait in the buffer at
// their places in the layout. The signature check of a request usually follows its proof in the same
// synchronous step (the proof runs while extracting the token, and with its keys at hand the resolver
// checks the signature before anything is awaited): it takes them instead of decoding both segments a
// second time, the largest cost of the check after the signature itself. Whatever comes first wipes
// them: the check that takes them, the next proof, or a microtask queued by the proof, so that nothing
// outlives the step that made it, also when the token is refused before its check or never checked
// (an unknown key, a refused DPoP proof, an introspection-only server). A check after an `await` (keys
// being fetched) decodes the token itself.
let decodedToken: string | undefined;
let decodedEnd = 0;

/**
 * The buffer holding `token`'s decoded signature and payload at their places in {@link decodedLayout},
 * left by the last proof, or `undefined` when the last proof was of another token (or they were taken).
 * The caller checks the signature in the same synchronous step, writes the signing input before them,
 * and wipes everything with {@link releaseDecodedSegments}. Strict equality: the very token proven, or
 * one with the same characters, whose bytes are the same.
 */
export function decodedSegmentsOf(token: string): NodeScratchBuffer | undefined {
  return decodedToken !== undefined && decodedToken === token ? scratch : undefined;
}

// One microtask at a time wipes what the proofs of a synchronous step left behind. Queued as a reaction
// to a settled promise rather than with `queueMicrotask`, which on Node wraps every callback in an
// `AsyncResource` with a property added after construction: a hidden class that dies with the last of
// them at each full collection, taking with it the optimized code of every function that inlined the
// call (this proof among them), to be compiled again on the next requests.
let releaseQueued = false;
const settled = Promise.resolve();

function releaseQueuedSegments(): void {
  releaseQueued = false;
  releaseDecodedSegments();
}

/** Wipes the bytes the last proof left for the signature check, and forgets its token. */
export function releaseDecodedSegments(): void {
  if (decodedToken === undefined) return;
  if (scratch !== undefined) wipe(scratch, 0, decodedEnd);
  decodedToken = undefined;
  decodedEnd = 0;
}

const fillBytes = Uint8Array.prototype.fill;

/**
 * Zeroes `[start, end)` of a scratch buffer. The typed array's own `fill` (a memset in V8) rather than
 * `Buffer#fill`, which validates its arguments and calls into Node's C++ for every wipe.
 */
export function wipe(buffer: Uint8Array, start: number, end: number): void {
  fillBytes.call(buffer, 0, start, end);
}
