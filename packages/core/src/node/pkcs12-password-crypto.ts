import { createHmac, timingSafeEqual } from 'node:crypto';
import type forge from 'node-forge';
import { Asn1ShapeError, read } from './asn1-reader.js';
import { nodeForge } from './node-forge.js';

type Node = forge.asn1.Asn1;

/**
 * The most key-derivation iterations accepted. Writers use 2 048 (OpenSSL) or 10 000 (keytool); a count
 * in the billions would hang start-up, so a file asking for more than this is refused.
 */
export const MAX_PBE_ITERATIONS = 1_000_000;

const PBES2 = '1.2.840.113549.1.5.13';
// The PKCS#12 password-based ciphers forge implements: 3-key 3DES and RC2-40 (what `-legacy` writes).
const PKCS12_PBE: ReadonlySet<string> = new Set(['1.2.840.113549.1.12.1.3', '1.2.840.113549.1.12.1.6']);
const PBMAC1 = '1.2.840.113549.1.5.14';
const MAC_DIGESTS: Readonly<Record<string, { node: string; forge: () => forge.md.MessageDigest }>> = {
  '1.3.14.3.2.26': { node: 'sha1', forge: () => nodeForge().md.sha1.create() },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', forge: () => nodeForge().md.sha256.create() },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', forge: () => nodeForge().md.sha384.create() },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', forge: () => nodeForge().md.sha512.create() },
};

interface PbeCipher {
  update(input: forge.util.ByteBuffer): void;
  finish(): boolean;
  readonly output: forge.util.ByteBuffer;
}
// forge's password-based ciphers (PBES2 with PBKDF2, PKCS#12 PBE with RC2 and 3DES), which its type
// declarations leave out.
const pbe = () =>
  (nodeForge().pki as unknown as { pbe: { getCipher(oid: string, params: Node, pw: string): PbeCipher } })
    .pbe;

/**
 * Decrypts `encrypted` under a password-based scheme (an AlgorithmIdentifier): the plaintext as a binary
 * string, or `undefined` when the password is wrong (bad padding).
 */
export function passwordDecrypt(
  algorithm: Node | undefined,
  encrypted: string,
  password: string,
  what: string,
): string | undefined {
  const [oidNode, params] = read.sequence(algorithm, `${what} algorithm`);
  const oid = read.oid(oidNode, `${what} algorithm`);
  if (params === undefined) throw new Asn1ShapeError(`${what} has no encryption parameters`);
  let secret: string;
  if (oid === PBES2) {
    limitIterations(pbes2Iterations(params, what), what);
    // PBES2 derives from the password's UTF-8 bytes (OpenSSL and the JDK agree); forge wants them as a
    // binary string.
    secret = nodeForge().util.encodeUtf8(password);
  } else if (PKCS12_PBE.has(oid)) {
    const [, iterations] = read.sequence(params, `${what} parameters`);
    limitIterations(read.integer(iterations, `${what} iterations`), what);
    // The PKCS#12 key derivation takes the password as UTF-16 (BMPString); forge converts it itself.
    secret = password;
  } else {
    throw new Asn1ShapeError(`${what} uses an unsupported encryption algorithm (${oid})`);
  }
  let cipher: PbeCipher;
  try {
    cipher = pbe().getCipher(oid, params, secret);
  } catch {
    throw new Asn1ShapeError(`${what} has unsupported encryption parameters`);
  }
  cipher.update(nodeForge().util.createBuffer(encrypted));
  return cipher.finish() ? cipher.output.getBytes() : undefined;
}

/** Whether the PFX MAC over `content` verifies with `password` (RFC 7292 §5 and appendix B). */
export function macVerifies(macData: Node, content: string, password: string): boolean {
  const [digestInfo, saltNode, iterationsNode] = read.sequence(macData, 'PKCS#12 MacData');
  const [algorithm, digestNode] = read.sequence(digestInfo, 'PKCS#12 MAC');
  const oid = read.oid(read.sequence(algorithm, 'PKCS#12 MAC algorithm')[0], 'PKCS#12 MAC algorithm');
  if (oid === PBMAC1) throw new Asn1ShapeError('PKCS#12 PBMAC1 integrity (RFC 9579) is not supported');
  const digest = MAC_DIGESTS[oid];
  if (digest === undefined) throw new Asn1ShapeError(`the PKCS#12 MAC digest ${oid} is not supported`);
  const iterations =
    iterationsNode === undefined ? 1 : read.integer(iterationsNode, 'PKCS#12 MAC iterations');
  limitIterations(iterations, 'the PKCS#12 MAC');
  const md = digest.forge();
  const salt = nodeForge().util.createBuffer(read.octets(saltNode, 'PKCS#12 MAC salt'));
  const key = nodeForge().pkcs12.generateKey(password, salt, 3, iterations, md.digestLength, md);
  const expected = Buffer.from(read.octets(digestNode, 'PKCS#12 MAC value'), 'binary');
  const actual = createHmac(digest.node, Buffer.from(key.getBytes(), 'binary'))
    .update(Buffer.from(content, 'binary'))
    .digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function pbes2Iterations(params: Node | undefined, what: string): number {
  const [kdf] = read.sequence(params, `${what} PBES2 parameters`);
  const [, kdfParams] = read.sequence(kdf, `${what} key derivation`);
  const [, iterations] = read.sequence(kdfParams, `${what} PBKDF2 parameters`);
  return read.integer(iterations, `${what} PBKDF2 iterations`);
}

function limitIterations(iterations: number, what: string): void {
  if (iterations < 1 || iterations > MAX_PBE_ITERATIONS)
    throw new Asn1ShapeError(
      `${what} asks for ${iterations} key-derivation iterations (at most ${MAX_PBE_ITERATIONS})`,
    );
}
