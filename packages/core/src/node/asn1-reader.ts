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
 * Typed reads over node-forge's ASN.1 tree: each read checks the tag it expects, so a malformed or hostile
 * file fails with a message instead of being misread. Binary values are forge "binary strings".
 */
export const read = {
  /** Parses DER (or the BER that PKCS#12 writers emit), all bytes, within forge's nesting limit. */
  der(bytes: string, what: string): Node {
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
