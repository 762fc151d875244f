// How much work an encrypted PEM private key asks of OpenSSL, read before OpenSSL is asked to do it.
import { readDerElement } from '../encoding/der-element.js';
import { MAX_PBE_ITERATIONS } from './pkcs12-password-crypto.js';

// scrypt's work is N × r × p; OpenSSL writes N = 16384, r = 8, p = 1 (131 072). Its memory is bounded by
// OpenSSL (32 MiB), but not its time: p multiplies it freely.
const MAX_SCRYPT_WORK = 32 * 16384 * 8;
const OID = {
  pbes2: '2a864886f70d01050d',
  pbkdf2: '2a864886f70d01050c',
  scrypt: '2b06010401da47040b',
} as const;
// PBES1 (1.2.840.113549.1.5.x) and the PKCS#12 PBE schemes (1.2.840.113549.1.12.1.x), whose parameters
// are { salt, iterations }; PBES2 (1.2.840.113549.1.5.13) is told apart first.
const PBES1_OR_PKCS12_PBE = /^(?:2a864886f70d0105|2a864886f70d010c01)[0-9a-f]{2}$/;

/**
 * Why the key derivation of an `ENCRYPTED PRIVATE KEY` would cost too much, read from its parameters
 * before OpenSSL runs it: OpenSSL derives the key with as many PBKDF2 iterations (or as much scrypt work) as
 * the file asks, synchronously, even for a wrong password, so a count of 2^31 would hold start-up for half
 * an hour. The limit is the PKCS#12 store's ({@link MAX_PBE_ITERATIONS}); OpenSSL writes 2 048.
 */
export function keyDerivationProblem(pemText: string): string | undefined {
  const der = Buffer.from(
    pemText
      .split(/\r?\n/)
      .filter((line) => !line.startsWith('-----'))
      .join(''),
    'base64',
  );
  const cost = encryptionCost(der);
  if (cost === undefined) return 'holds an encrypted private key whose encryption parameters cannot be read';
  if (cost.kind === 'iterations' && (cost.value < 1 || cost.value > MAX_PBE_ITERATIONS))
    return `holds an encrypted private key whose key derivation asks for ${cost.value} iterations (at most ${MAX_PBE_ITERATIONS}; OpenSSL writes 2048)`;
  if (cost.kind === 'scrypt' && cost.value > MAX_SCRYPT_WORK)
    return `holds an encrypted private key whose scrypt parameters ask for N × r × p = ${cost.value} (at most ${MAX_SCRYPT_WORK}; OpenSSL writes 131072)`;
  return undefined;
}

type EncryptionCost = { readonly kind: 'iterations' | 'scrypt' | 'unknown'; readonly value: number };

/**
 * The cost of an EncryptedPrivateKeyInfo's scheme: `SEQUENCE { SEQUENCE { algorithm, parameters }, … }`.
 * `undefined` when the DER is malformed; `unknown` for a scheme OpenSSL does not run, which it refuses.
 */
function encryptionCost(der: Uint8Array): EncryptionCost | undefined {
  const [algorithm] = derChildren(der, 0x30) ?? [];
  const [oid, params] = (algorithm && derChildren(algorithm, 0x30)) ?? [];
  if (oid === undefined || params === undefined) return undefined;
  const scheme = hexOf(derContent(oid, 0x06));
  if (scheme === OID.pbes2) {
    const [kdf] = derChildren(params, 0x30) ?? [];
    const [kdfOid, kdfParams] = (kdf && derChildren(kdf, 0x30)) ?? [];
    const values = kdfParams && derChildren(kdfParams, 0x30);
    if (kdfOid === undefined || values === undefined) return undefined;
    const kdfName = hexOf(derContent(kdfOid, 0x06));
    if (kdfName === OID.pbkdf2) return integerCost('iterations', values.slice(1, 2));
    if (kdfName === OID.scrypt) return integerCost('scrypt', values.slice(1, 4));
    return { kind: 'unknown', value: 0 };
  }
  if (scheme !== undefined && PBES1_OR_PKCS12_PBE.test(scheme)) {
    const values = derChildren(params, 0x30);
    return values === undefined ? undefined : integerCost('iterations', values.slice(1, 2));
  }
  return { kind: 'unknown', value: 0 };
}

/** The product of DER INTEGERs (a count, or N × r × p); `undefined` unless each is one. */
function integerCost(
  kind: EncryptionCost['kind'],
  integers: readonly Uint8Array[],
): EncryptionCost | undefined {
  if (integers.length === 0) return undefined;
  let value = 1;
  for (const integer of integers) {
    const content = derContent(integer, 0x02);
    if (content === undefined || content.length === 0) return undefined;
    // Past 6 bytes a count is hostile: it stays refused, as a number past every limit.
    let number = 0;
    for (const byte of content.length > 6 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : content)
      number = number * 256 + byte;
    value *= number;
  }
  return { kind, value };
}

/** The elements (tag, length and content) inside a DER element of `tag`, or `undefined` if malformed. */
function derChildren(element: Uint8Array, tag: number): Uint8Array[] | undefined {
  const content = derContent(element, tag);
  if (content === undefined) return undefined;
  const children: Uint8Array[] = [];
  for (let offset = 0; offset < content.length; ) {
    const child = readDerElement(content, offset, content.length);
    if (child === undefined) return undefined;
    children.push(content.subarray(offset, child.end));
    offset = child.end;
  }
  return children;
}

/** The content of a DER element of `tag` taking all of `element`, or `undefined`. */
function derContent(element: Uint8Array, tag: number): Uint8Array | undefined {
  const read = readDerElement(element, 0, element.length);
  if (read?.tag !== tag || read.end !== element.length) return undefined;
  return element.subarray(read.start);
}

function hexOf(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');
}
