import type forge from 'node-forge';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
import { nodeForge } from './node-forge.js';

const asn1 = () => nodeForge().asn1;

// forge takes an options object here; its type declarations only know the older boolean form.
const fromDer = (
  bytes: string,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean },
): forge.asn1.Asn1 =>
  (asn1().fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1)(bytes, options);

/** Why a DER structure does not have the expected shape. */
export class Asn1ShapeError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/Asn1ShapeError';
  override name = 'Asn1ShapeError';
  declare readonly code: 'ERR_RS_ASN1_SHAPE';

  constructor(message: string) {
    super('ERR_RS_ASN1_SHAPE', message);
  }
}

type Node = forge.asn1.Asn1;

/**
 * The most ASN.1 elements one parse may hold. forge builds an object of about 160 bytes for each, so a
 * file of empty elements (2 bytes each) costs some 80 times its size: 4 GB for a keystore at the 64 MiB
 * `maxFileBytes` allows, enough to end the process before any check runs. A real keystore needs about one
 * element per 13 bytes of certificate, so this bound (some 40 MB of forge objects) passes megabytes of
 * them.
 */
export const MAX_DER_ELEMENTS = 262_144;

/**
 * Typed reads over node-forge's ASN.1 tree: each read checks the tag it expects, so a malformed or hostile
 * file fails with a message instead of being misread. Binary values are forge "binary strings".
 */
export const read = {
  /** Parses DER (or the BER that PKCS#12 writers emit), all bytes, within forge's nesting limit. */
  der(bytes: string, what: string): Node {
    if (derElementCountExceeds(bytes, MAX_DER_ELEMENTS))
      throw new Asn1ShapeError(`${what} holds more than ${MAX_DER_ELEMENTS} ASN.1 elements`);
    try {
      return fromDer(bytes, { strict: true, parseAllBytes: true, decodeBitStrings: false });
    } catch {
      throw new Asn1ShapeError(`${what} is not valid DER`);
    }
  },
  sequence(node: Node | undefined, what: string): Node[] {
    return constructed(node, asn1().Type.SEQUENCE, what);
  },
  set(node: Node | undefined, what: string): Node[] {
    return constructed(node, asn1().Type.SET, what);
  },
  oid(node: Node | undefined, what: string): string {
    return asn1().derToOid(primitive(node, asn1().Type.OID, what));
  },
  integer(node: Node | undefined, what: string): number {
    const value = primitive(node, asn1().Type.INTEGER, what);
    // Iteration counts and versions: anything past 2^48 is hostile, not a real value.
    if (value.length === 0 || value.length > 6) throw new Asn1ShapeError(`${what} is out of range`);
    return asn1().derToInteger(value);
  },
  /** An OCTET STRING, joining the chunks of a constructed (BER) one. */
  octets(node: Node | undefined, what: string): string {
    if (
      node?.tagClass === asn1().Class.UNIVERSAL &&
      node.type === asn1().Type.OCTETSTRING &&
      node.constructed
    ) {
      return (node.value as Node[]).map((chunk) => read.octets(chunk, what)).join('');
    }
    return primitive(node, asn1().Type.OCTETSTRING, what);
  },
  /** The content of an EXPLICIT `[tag]` wrapper. */
  explicit(node: Node | undefined, tag: number, what: string): Node {
    if (node?.tagClass !== asn1().Class.CONTEXT_SPECIFIC || node.type !== tag || !Array.isArray(node.value))
      throw new Asn1ShapeError(`${what} is missing`);
    const inner = node.value[0];
    if (inner === undefined) throw new Asn1ShapeError(`${what} is empty`);
    return inner;
  },
  /** The bytes of an IMPLICIT `[tag]` OCTET STRING, primitive or constructed. */
  implicitOctets(node: Node | undefined, tag: number, what: string): string {
    if (node?.tagClass !== asn1().Class.CONTEXT_SPECIFIC || node.type !== tag)
      throw new Asn1ShapeError(`${what} is missing`);
    if (typeof node.value === 'string') return node.value;
    return node.value.map((chunk) => read.octets(chunk, what)).join('');
  },
  /** Whether `node` is an INTEGER (to tell an OPTIONAL one from what follows it). */
  isInteger(node: Node | undefined): boolean {
    return node?.tagClass === asn1().Class.UNIVERSAL && node.type === asn1().Type.INTEGER;
  },
  /** Whether `node` is an OCTET STRING (primitive or constructed). */
  isOctetString(node: Node | undefined): boolean {
    return node?.tagClass === asn1().Class.UNIVERSAL && node.type === asn1().Type.OCTETSTRING;
  },
  /** A BMPString, as PKCS#12 friendly names are written (forge decodes its UTF-16 while parsing). */
  bmpString(node: Node | undefined, what: string): string {
    return primitive(node, asn1().Type.BMPSTRING, what);
  },
  toDer(node: Node): string {
    return asn1().toDer(node).getBytes();
  },
};

/**
 * Whether `bytes` hold more than `limit` ASN.1 elements, counted by walking their headers once, without
 * building anything: a constructed element's content is walked in turn, a primitive one's skipped. The
 * count stops at `limit + 1`; a malformed header ends the walk, leaving the parse to refuse the bytes.
 */
function derElementCountExceeds(bytes: string, limit: number): boolean {
  let position = 0;
  let count = 0;
  while (position < bytes.length) {
    const tag = bytes.charCodeAt(position++);
    // High tag numbers continue in the bytes that have their top bit set.
    if ((tag & 0x1f) === 0x1f) while (position < bytes.length && bytes.charCodeAt(position++) & 0x80);
    if (position >= bytes.length) return false;
    let length = bytes.charCodeAt(position++);
    if (length & 0x80) {
      const lengthBytes = length & 0x7f;
      // 0: BER's indefinite length, content up to an end-of-contents element (walked like any other).
      if (lengthBytes > 4) return false;
      length = 0;
      for (let index = 0; index < lengthBytes; index++) length = length * 256 + bytes.charCodeAt(position++);
    }
    if (++count > limit) return true;
    if ((tag & 0x20) === 0) position += length;
  }
  return false;
}

function constructed(node: Node | undefined, type: number, what: string): Node[] {
  if (node?.tagClass !== asn1().Class.UNIVERSAL || node.type !== type || !Array.isArray(node.value))
    throw new Asn1ShapeError(`${what} is not a ${type === asn1().Type.SET ? 'SET' : 'SEQUENCE'}`);
  return node.value;
}

function primitive(node: Node | undefined, type: number, what: string): string {
  if (node?.tagClass !== asn1().Class.UNIVERSAL || node.type !== type || typeof node.value !== 'string')
    throw new Asn1ShapeError(`${what} has the wrong type`);
  return node.value;
}
