/** One DER element: its tag, and where its content starts and ends within the bytes read. */
export interface DerElement {
  readonly tag: number;
  /** First content byte. */
  readonly start: number;
  /** One past the last content byte. */
  readonly end: number;
  /** Whether the length is written in the fewest bytes, as DER requires (BER allows more). */
  readonly minimalLength: boolean;
}

/**
 * The element at `offset` of `bytes`, whose content must end by `limit`: a low tag number (all the
 * structures of keys and certificates read here) and a definite length of at most 4 length bytes.
 * `undefined` for anything else: BER's indefinite length, a high tag number, a length past `limit`. For
 * strict DER, callers also check {@link DerElement.minimalLength}.
 *
 * @example
 * ```ts
 * const certificate = readDerElement(der, 0, der.length); // { tag: 0x30, start: 4, end: der.length, … }
 * ```
 */
export function readDerElement(bytes: Uint8Array, offset: number, limit: number): DerElement | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  const first = bytes[offset + 1]!;
  let start = offset + 2;
  let length = first;
  let minimalLength = true;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, never DER; four length bytes exceed anything read here.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    minimalLength = bytes[start] !== 0 && length >= 0x80;
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end, minimalLength };
}
