import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type forge from 'node-forge';
import { Asn1ShapeError, read } from './asn1-reader.js';
import { nodeForge } from './node-forge.js';

type Node = forge.asn1.Asn1;

/**
 * The most key-derivation iterations accepted for one derivation. Writers use 2 048 (OpenSSL) or 10 000
 * (keytool; 100 000 for the MAC of older JDKs); a count in the billions would hang start-up, so a file
 * asking for more than this is refused.
 */
export const MAX_PBE_ITERATIONS = 1_000_000;

/**
 * The most key-derivation iterations one keystore file may cost in all: the MAC, every encrypted
 * SafeContents and every opened entry. Five derivations at {@link MAX_PBE_ITERATIONS} is what the
 * heaviest file OpenSSL writes within that limit needs, `openssl pkcs12 -export -legacy -iter 1000000`
 * (the MAC, then a key and an IV for the certificates and for the key); without this budget a file
 * repeating an encrypted block would make start-up derive keys for hours.
 */
export const MAX_KEYSTORE_ITERATIONS = 5 * MAX_PBE_ITERATIONS;

/**
 * The key-derivation work one keystore file may still cost. Each derivation is charged before it runs,
 * so a file over the budget is refused without the work being done.
 */
export class DerivationBudget {
  #spent = 0;

  /** Charges `iterations` for `what`; throws {@link Asn1ShapeError} when the file would go over. */
  charge(iterations: number, what: string): void {
    const spent = this.#spent + iterations;
    if (spent > MAX_KEYSTORE_ITERATIONS)
      throw new Asn1ShapeError(
        `${what} would bring the keystore to ${spent} key-derivation iterations in all (at most ${MAX_KEYSTORE_ITERATIONS} per file)`,
      );
    this.#spent = spent;
  }
}

/** A password-based encryption scheme read from its AlgorithmIdentifier: checked, not yet run. */
export interface PasswordScheme {
  /** The key-derivation iterations one decryption costs. */
  readonly iterations: number;
  /** The plaintext as a binary string, or `undefined` when the password is wrong (bad padding). */
  decrypt(encrypted: string, password: string): string | undefined;
}

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
// PBKDF2's pseudo-random functions; RFC 8018 makes HMAC-SHA-1 the default when none is named.
const PBKDF2_DIGESTS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
interface Pbes2Cipher {
  readonly keyLength: number;
  /** Node's cipher name; DES is absent from OpenSSL 3's default provider, so it comes from forge. */
  readonly node?: string | undefined;
}
const PBES2_CIPHERS: Readonly<Record<string, Pbes2Cipher>> = {
  '2.16.840.1.101.3.4.1.2': { keyLength: 16, node: 'aes-128-cbc' },
  '2.16.840.1.101.3.4.1.22': { keyLength: 24, node: 'aes-192-cbc' },
  '2.16.840.1.101.3.4.1.42': { keyLength: 32, node: 'aes-256-cbc' },
  '1.2.840.113549.3.7': { keyLength: 24, node: 'des-ede3-cbc' },
  '1.3.14.3.2.7': { keyLength: 8 },
};
// The PKCS#12 password-based ciphers forge implements: 3-key 3DES and RC2-40 (what `-legacy` writes).
const PKCS12_PBE: ReadonlySet<string> = new Set(['1.2.840.113549.1.12.1.3', '1.2.840.113549.1.12.1.6']);
const PBMAC1 = '1.2.840.113549.1.5.14';
const MAC_DIGESTS: Readonly<Record<string, { node: string; forge: () => forge.md.MessageDigest }>> = {
  '1.3.14.3.2.26': { node: 'sha1', forge: () => nodeForge().md.sha1.create() },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', forge: () => nodeForge().md.sha256.create() },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', forge: () => nodeForge().md.sha384.create() },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', forge: () => nodeForge().md.sha512.create() },
};

interface ForgeCipher {
  update(input: forge.util.ByteBuffer): void;
  finish(): boolean;
  readonly output: forge.util.ByteBuffer;
}
// forge's PKCS#12 password-based ciphers (RC2 and 3DES), which its type declarations leave out.
const pbe = () =>
  (nodeForge().pki as unknown as { pbe: { getCipher(oid: string, params: Node, pw: string): ForgeCipher } })
    .pbe;

/**
 * Reads a password-based encryption scheme (an AlgorithmIdentifier) without deriving anything: PBES2
 * (PBKDF2 and the cipher run in Node's OpenSSL) or the PKCS#12 PBE of `-legacy` files (forge).
 */
export function passwordScheme(algorithm: Node | undefined, what: string): PasswordScheme {
  const [oidNode, params] = read.sequence(algorithm, `${what} algorithm`);
  const oid = read.oid(oidNode, `${what} algorithm`);
  if (params === undefined) throw new Asn1ShapeError(`${what} has no encryption parameters`);
  if (oid === PBES2) return pbes2Scheme(params, what);
  if (PKCS12_PBE.has(oid)) return pkcs12PbeScheme(oid, params, what);
  throw new Asn1ShapeError(`${what} uses an unsupported encryption algorithm (${oid})`);
}

/**
 * Decrypts `encrypted` under a password-based scheme (an AlgorithmIdentifier), its key derivation
 * charged to `budget` first: the plaintext as a binary string, or `undefined` when the password is wrong.
 */
export function passwordDecrypt(
  algorithm: Node | undefined,
  encrypted: string,
  password: string,
  what: string,
  budget: DerivationBudget,
): string | undefined {
  const scheme = passwordScheme(algorithm, what);
  budget.charge(scheme.iterations, what);
  return scheme.decrypt(encrypted, password);
}

// PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
// PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
//                              prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
function pbes2Scheme(params: Node, what: string): PasswordScheme {
  const [kdf, encryptionScheme] = read.sequence(params, `${what} PBES2 parameters`);
  const [kdfOid, kdfParams] = read.sequence(kdf, `${what} key derivation`);
  if (read.oid(kdfOid, `${what} key derivation`) !== PBKDF2)
    throw new Asn1ShapeError(`${what} uses an unsupported PBES2 key derivation`);
  const [saltNode, iterationsNode, ...optional] = read.sequence(kdfParams, `${what} PBKDF2 parameters`);
  const salt = Buffer.from(read.octets(saltNode, `${what} PBKDF2 salt`), 'binary');
  const iterations = read.integer(iterationsNode, `${what} PBKDF2 iterations`);
  limitIterations(iterations, what);
  const keyLengthNode = read.isInteger(optional[0]) ? optional.shift() : undefined;
  const prfNode = optional[0];
  const digest =
    prfNode === undefined
      ? 'sha1'
      : PBKDF2_DIGESTS[read.oid(read.sequence(prfNode, `${what} PBKDF2 PRF`)[0], `${what} PBKDF2 PRF`)];
  if (digest === undefined) throw new Asn1ShapeError(`${what} uses an unsupported PBKDF2 PRF`);
  const [cipherOid, ivNode] = read.sequence(encryptionScheme, `${what} encryption scheme`);
  const cipher = PBES2_CIPHERS[read.oid(cipherOid, `${what} encryption scheme`)];
  if (cipher === undefined) throw new Asn1ShapeError(`${what} uses an unsupported PBES2 cipher`);
  // OpenSSL refuses a stated key length other than the cipher's; so does this reader.
  if (keyLengthNode !== undefined && read.integer(keyLengthNode, `${what} key length`) !== cipher.keyLength)
    throw new Asn1ShapeError(`${what} states a key length its cipher does not have`);
  const iv = Buffer.from(read.octets(ivNode, `${what} IV`), 'binary');
  return {
    iterations,
    decrypt(encrypted, password) {
      // PBES2 derives from the password's UTF-8 bytes (OpenSSL and the JDK agree). Node's PBKDF2 is
      // native: forge's JavaScript one took seconds for a million iterations.
      const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyLength, digest);
      return cipher.node === undefined
        ? forgeDesDecrypt(key, iv, encrypted, what)
        : nodeDecrypt(cipher.node, key, iv, encrypted, what);
    },
  };
}

function nodeDecrypt(
  name: string,
  key: Buffer,
  iv: Buffer,
  encrypted: string,
  what: string,
): string | undefined {
  let decipher: ReturnType<typeof createDecipheriv>;
  try {
    decipher = createDecipheriv(name, key, iv);
  } catch {
    throw new Asn1ShapeError(`${what} has unsupported encryption parameters`);
  }
  try {
    const data = Buffer.from(encrypted, 'binary');
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('binary');
  } catch {
    // Bad padding (or a length that is not whole blocks): the password is wrong.
    return undefined;
  }
}

function forgeDesDecrypt(key: Buffer, iv: Buffer, encrypted: string, what: string): string | undefined {
  if (iv.length !== 8) throw new Asn1ShapeError(`${what} has unsupported encryption parameters`);
  const decipher = nodeForge().cipher.createDecipher('DES-CBC', key.toString('binary'));
  decipher.start({ iv: iv.toString('binary') });
  decipher.update(nodeForge().util.createBuffer(encrypted));
  return decipher.finish() ? decipher.output.getBytes() : undefined;
}

// pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
function pkcs12PbeScheme(oid: string, params: Node, what: string): PasswordScheme {
  const [, iterationsNode] = read.sequence(params, `${what} parameters`);
  const iterations = read.integer(iterationsNode, `${what} iterations`);
  limitIterations(iterations, what);
  return {
    // The PKCS#12 key derivation runs twice: once for the key, once for the IV.
    iterations: 2 * iterations,
    decrypt(encrypted, password) {
      let cipher: ForgeCipher;
      try {
        // The PKCS#12 key derivation takes the password as UTF-16 (BMPString); forge converts it itself.
        cipher = pbe().getCipher(oid, params, password);
      } catch {
        throw new Asn1ShapeError(`${what} has unsupported encryption parameters`);
      }
      cipher.update(nodeForge().util.createBuffer(encrypted));
      return cipher.finish() ? cipher.output.getBytes() : undefined;
    },
  };
}

/** The PFX MAC (RFC 7292 §5 and appendix B), read and checked but not yet computed. */
export interface PfxMac {
  /** The key-derivation iterations computing the MAC costs. */
  readonly iterations: number;
  /** Whether the MAC over `content` verifies with `password`. */
  verifies(content: string, password: string): boolean;
}

/** Reads a PFX MacData: the digest must be one of SHA-1/256/384/512 and the iterations within limits. */
export function pfxMac(macData: Node): PfxMac {
  const [digestInfo, saltNode, iterationsNode] = read.sequence(macData, 'PKCS#12 MacData');
  const [algorithm, digestNode] = read.sequence(digestInfo, 'PKCS#12 MAC');
  const oid = read.oid(read.sequence(algorithm, 'PKCS#12 MAC algorithm')[0], 'PKCS#12 MAC algorithm');
  if (oid === PBMAC1) throw new Asn1ShapeError('PKCS#12 PBMAC1 integrity (RFC 9579) is not supported');
  const digest = MAC_DIGESTS[oid];
  if (digest === undefined) throw new Asn1ShapeError(`the PKCS#12 MAC digest ${oid} is not supported`);
  const iterations =
    iterationsNode === undefined ? 1 : read.integer(iterationsNode, 'PKCS#12 MAC iterations');
  limitIterations(iterations, 'the PKCS#12 MAC');
  const salt = read.octets(saltNode, 'PKCS#12 MAC salt');
  const expected = Buffer.from(read.octets(digestNode, 'PKCS#12 MAC value'), 'binary');
  return {
    iterations,
    verifies(content, password) {
      // Node has no PKCS#12 key derivation; forge's iterated hash is as fast as Node's hash called from
      // JavaScript, and the iterations are bounded above.
      const md = digest.forge();
      const key = nodeForge().pkcs12.generateKey(
        password,
        nodeForge().util.createBuffer(salt),
        3,
        iterations,
        md.digestLength,
        md,
      );
      const actual = createHmac(digest.node, Buffer.from(key.getBytes(), 'binary'))
        .update(Buffer.from(content, 'binary'))
        .digest();
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

function limitIterations(iterations: number, what: string): void {
  if (iterations < 1 || iterations > MAX_PBE_ITERATIONS)
    throw new Asn1ShapeError(
      `${what} asks for ${iterations} key-derivation iterations (at most ${MAX_PBE_ITERATIONS})`,
    );
}
