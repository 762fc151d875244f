import type forge from 'node-forge';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
import { aliasInMessage } from '../secrets/shown-in-messages.js';
import { Asn1ShapeError, read } from './asn1-reader.js';
import {
  DerivationBudget,
  type PasswordScheme,
  passwordDecrypt,
  passwordScheme,
  pfxMac,
} from './pkcs12-password-crypto.js';

type Node = forge.asn1.Asn1;

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;
// Nested SafeContents bags are legal but unused by OpenSSL and the JDK; a deeper tree is refused.
const MAX_NESTING = 3;
// OpenSSL and the JDK put all certificates in one encrypted SafeContents. Each costs a key derivation and
// all are decrypted (their aliases are inside), so a file with more than this is refused before any is.
const MAX_ENCRYPTED_CONTENTS = 16;

/**
 * Why a PKCS#12 file could not be read: a wrong password (the MAC or decryption failed) or its format;
 * `cause`, for a structure of the wrong shape, is the `Asn1ShapeError` (`ERR_RS_ASN1_SHAPE`) that found it.
 */
export class Pkcs12Error extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/Pkcs12Error';
  override name = 'Pkcs12Error';
  declare readonly code: 'ERR_RS_PKCS12_PASSWORD' | 'ERR_RS_PKCS12_FORMAT';

  constructor(code: Pkcs12Error['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** What a keystore entry holds, once opened with its password. */
export type Pkcs12EntryContent =
  | {
      readonly kind: 'private-key';
      readonly privateKeyInfo: Buffer;
      readonly certificate?: Buffer | undefined;
    }
  | { readonly kind: 'trusted-certificate'; readonly certificate: Buffer }
  /** `algorithm`: the OID the writer gave the key (the JDK: AES `2.16.840.1.101.3.4.1`, HmacSHA256, …). */
  | { readonly kind: 'secret-key'; readonly algorithm: string; readonly key: Buffer };

/** A PKCS#12 keystore whose integrity was checked; entries are decrypted only when opened. */
export interface Pkcs12KeyStore {
  /**
   * The entry aliases (friendly names), lower-cased as the JDK's keystore does; a key entry without one
   * is named as the JDK names it, `"1"`, `"2"`, … in the order read.
   */
  readonly aliases: readonly string[];
  /**
   * Opens the entry `alias` (any case): `undefined` when there is none; throws {@link Pkcs12Error}, also
   * when its key derivation would take the file over its budget of iterations.
   */
  open(alias: string, entryPassword: string): Pkcs12EntryContent | undefined;
}

interface Bag {
  readonly alias: string | undefined;
  readonly localKeyId: string | undefined;
}
interface KeyBag extends Bag {
  /** A PrivateKeyInfo, or an EncryptedPrivateKeyInfo when `encrypted`. */
  readonly value: Node;
  readonly encrypted: boolean;
}
interface CertBag extends Bag {
  readonly der: string;
}
interface Bags {
  readonly keys: KeyBag[];
  readonly secrets: KeyBag[];
  readonly certs: CertBag[];
}

/** An encrypted SafeContents, read but not yet decrypted. */
interface EncryptedContent {
  readonly scheme: PasswordScheme;
  readonly ciphertext: string;
}
/** One SafeContents of the AuthenticatedSafe: in the clear, or encrypted under the store password. */
type AuthenticatedContent = { readonly safeContents: string } | EncryptedContent;

/**
 * Reads a PKCS#12 (PFX) file as OpenSSL 3 (PBES2/AES, SHA-256 MAC), OpenSSL `-legacy` (RC2-40, 3DES,
 * SHA-1 MAC) and JDK keytool write it: checks the MAC with the store password, decrypts the encrypted
 * SafeContents, and indexes key, certificate and secret-key (SecretBag) entries by alias. A file without
 * a MAC is refused, and the key derivations of the file (the MAC, the encrypted SafeContents, the entries
 * opened later) share one budget of iterations, checked before any runs. All cryptography is Node's and
 * node-forge's; this file only walks the ASN.1.
 */
export function readPkcs12(der: Uint8Array, storePassword: string): Pkcs12KeyStore {
  const binary = Buffer.from(der).toString('binary');
  const bags: Bags = { keys: [], secrets: [], certs: [] };
  const budget = new DerivationBudget();
  try {
    const [version, authSafe, macData] = read.sequence(read.der(binary, 'the file'), 'PFX');
    if (read.integer(version, 'PFX version') !== 3) throw new Asn1ShapeError('the PFX version is not 3');
    const content = dataContent(authSafe, 'PFX authSafe');
    // Without a MAC the store password checks nothing: whoever can write the file could swap its trusted
    // certificates or secret keys, which then pass for the owner's. OpenSSL and keytool write one unless
    // told not to.
    if (macData === undefined)
      throw new Pkcs12Error(
        'ERR_RS_PKCS12_FORMAT',
        'the keystore has no MAC, so its integrity cannot be checked with the store password: export it with one (openssl pkcs12 -export without -nomac, or keytool)',
      );
    const mac = pfxMac(macData);
    budget.charge(mac.iterations, 'the PKCS#12 MAC');
    // Every limit is checked before the first key derivation: a file over them costs no work.
    const contents = read
      .sequence(read.der(content, 'AuthenticatedSafe'), 'AuthenticatedSafe')
      .map(authenticatedContent);
    const encrypted = contents.filter(
      (part): part is EncryptedContent => part !== undefined && 'scheme' in part,
    );
    if (encrypted.length > MAX_ENCRYPTED_CONTENTS)
      throw new Asn1ShapeError(
        `the keystore has ${encrypted.length} encrypted SafeContents (at most ${MAX_ENCRYPTED_CONTENTS}; OpenSSL and keytool write one)`,
      );
    for (const part of encrypted) budget.charge(part.scheme.iterations, 'the encrypted SafeContents');
    if (!mac.verifies(content, storePassword))
      throw new Pkcs12Error(
        'ERR_RS_PKCS12_PASSWORD',
        'the store password is wrong (the keystore MAC does not verify)',
      );
    for (const part of contents) {
      if (part === undefined) continue;
      collectBags('scheme' in part ? decryptContent(part, storePassword) : part.safeContents, bags, 0);
    }
  } catch (error) {
    if (error instanceof Asn1ShapeError)
      throw new Pkcs12Error('ERR_RS_PKCS12_FORMAT', `not a readable PKCS#12 keystore: ${error.message}`, {
        cause: error,
      });
    throw error;
  }
  return indexEntries(bags, budget);
}

function dataContent(info: Node | undefined, what: string): string {
  const [typeNode, content] = read.sequence(info, what);
  if (read.oid(typeNode, `${what} type`) !== OID.data)
    throw new Asn1ShapeError(`${what} is not plain data (public-key integrity is not supported)`);
  return read.octets(read.explicit(content, 0, `${what} content`), `${what} content`);
}

/** A ContentInfo of the AuthenticatedSafe, read but not decrypted; `undefined` for one holding no entry. */
function authenticatedContent(info: Node): AuthenticatedContent | undefined {
  const [typeNode, content] = read.sequence(info, 'ContentInfo');
  const type = read.oid(typeNode, 'ContentInfo type');
  if (type === OID.data) return { safeContents: dataContent(info, 'SafeContents') };
  // Public-key-enveloped content is for another trust model; it holds no entry we could open.
  if (type !== OID.encryptedData) return undefined;
  const [, encryptedInfo] = read.sequence(read.explicit(content, 0, 'EncryptedData'), 'EncryptedData');
  const [, algorithm, encrypted] = read.sequence(encryptedInfo, 'EncryptedContentInfo');
  return {
    scheme: passwordScheme(algorithm, 'the encrypted SafeContents'),
    ciphertext: read.implicitOctets(encrypted, 0, 'encrypted SafeContents'),
  };
}

function decryptContent({ scheme, ciphertext }: EncryptedContent, password: string): string {
  const plain = scheme.decrypt(ciphertext, password);
  if (plain === undefined)
    throw new Pkcs12Error(
      'ERR_RS_PKCS12_PASSWORD',
      'the store password is wrong (the certificates do not decrypt)',
    );
  return plain;
}

function collectBags(safeContents: string, bags: Bags, depth: number): void {
  for (const bag of read.sequence(read.der(safeContents, 'SafeContents'), 'SafeContents')) {
    collectBag(bag, bags, depth);
  }
}

function collectBag(node: Node, bags: Bags, depth: number): void {
  const [idNode, valueNode, attributes] = read.sequence(node, 'SafeBag');
  const bagId = read.oid(idNode, 'SafeBag type');
  const value = read.explicit(valueNode, 0, 'SafeBag value');
  const bag = bagAttributes(attributes);
  switch (bagId) {
    case OID.keyBag:
    case OID.shroudedKeyBag:
      bags.keys.push({ ...bag, value, encrypted: bagId === OID.shroudedKeyBag });
      return;
    case OID.certBag: {
      const [typeNode, certValue] = read.sequence(value, 'CertBag');
      if (read.oid(typeNode, 'CertBag type') !== OID.x509Certificate) return;
      bags.certs.push({
        ...bag,
        der: read.octets(read.explicit(certValue, 0, 'CertBag value'), 'certificate'),
      });
      return;
    }
    case OID.secretBag: {
      // The JDK stores a secret key as a PKCS#8 key bag (encrypted or not) inside a SecretBag.
      const [typeNode, secretValue] = read.sequence(value, 'SecretBag');
      const type = read.oid(typeNode, 'SecretBag type');
      if (type !== OID.keyBag && type !== OID.shroudedKeyBag) return;
      let inner = read.explicit(secretValue, 0, 'SecretBag value');
      // The JDK wraps the (encrypted) PKCS#8 structure in an OCTET STRING; RFC 7292 leaves it bare.
      if (read.isOctetString(inner))
        inner = read.der(read.octets(inner, 'SecretBag value'), 'SecretBag value');
      bags.secrets.push({ ...bag, value: inner, encrypted: type === OID.shroudedKeyBag });
      return;
    }
    case OID.safeContentsBag:
      if (depth >= MAX_NESTING) throw new Asn1ShapeError('SafeContents are nested too deeply');
      for (const child of read.sequence(value, 'SafeContents')) collectBag(child, bags, depth + 1);
      return;
    default:
    // CRL bags and unknown bag types hold no key.
  }
}

function bagAttributes(node: Node | undefined): Bag {
  let alias: string | undefined;
  let localKeyId: string | undefined;
  if (node === undefined) return { alias, localKeyId };
  for (const attribute of read.set(node, 'SafeBag attributes')) {
    const [idNode, values] = read.sequence(attribute, 'SafeBag attribute');
    const id = read.oid(idNode, 'SafeBag attribute type');
    const first = read.set(values, 'SafeBag attribute values')[0];
    if (id === OID.friendlyName) alias = read.bmpString(first, 'friendlyName');
    else if (id === OID.localKeyId) localKeyId = read.octets(first, 'localKeyId');
  }
  return { alias, localKeyId };
}

type Entry =
  | { readonly kind: 'private-key'; readonly bag: KeyBag; readonly cert: CertBag | undefined }
  | { readonly kind: 'secret-key'; readonly bag: KeyBag }
  | { readonly kind: 'trusted-certificate'; readonly cert: CertBag };

function indexEntries(bags: Bags, budget: DerivationBudget): Pkcs12KeyStore {
  const entries = new Map<string, Entry>();
  const add = (alias: string | undefined, entry: Entry) => {
    // Aliases are case-insensitive, as in the JDK; the first entry under an alias is the one used.
    const key = alias?.toLowerCase();
    if (key !== undefined && !entries.has(key)) entries.set(key, entry);
  };
  // A key entry without a friendly name (`openssl pkcs12 -export` without `-name`) gets the name the
  // JDK's keystore gives it, and `keytool -list` shows: "1", "2", … in the order the entries are read.
  let unnamed = 0;
  const unfriendlyName = () => String(++unnamed);
  const usedCerts = new Set<CertBag>();
  for (const bag of bags.keys) {
    const cert = bags.certs.find((candidate) => sameEntry(bag, candidate));
    if (cert !== undefined) usedCerts.add(cert);
    add(bag.alias ?? cert?.alias ?? unfriendlyName(), { kind: 'private-key', bag, cert });
  }
  for (const bag of bags.secrets) add(bag.alias ?? unfriendlyName(), { kind: 'secret-key', bag });
  for (const cert of bags.certs) {
    // A named certificate that belongs to no key is a trusted-certificate entry; unnamed ones are chain
    // certificates of a key entry.
    if (!usedCerts.has(cert) && cert.alias !== undefined)
      add(cert.alias, { kind: 'trusted-certificate', cert });
  }
  return {
    aliases: [...entries.keys()],
    open(alias, entryPassword) {
      const entry = entries.get(alias.toLowerCase());
      if (entry === undefined) return undefined;
      try {
        return openEntry(entry, entryPassword, budget);
      } catch (error) {
        if (error instanceof Asn1ShapeError)
          throw new Pkcs12Error('ERR_RS_PKCS12_FORMAT', `entry ${aliasInMessage(alias)}: ${error.message}`, {
            cause: error,
          });
        throw error;
      }
    },
  };
}

function sameEntry(key: KeyBag, cert: CertBag): boolean {
  if (key.localKeyId !== undefined && cert.localKeyId !== undefined)
    return key.localKeyId === cert.localKeyId;
  return key.alias !== undefined && key.alias === cert.alias;
}

function openEntry(entry: Entry, password: string, budget: DerivationBudget): Pkcs12EntryContent {
  if (entry.kind === 'trusted-certificate') {
    return { kind: 'trusted-certificate', certificate: Buffer.from(entry.cert.der, 'binary') };
  }
  const privateKeyInfo = privateKeyInfoOf(entry.bag, password, budget);
  if (entry.kind === 'private-key') {
    const certificate = entry.cert === undefined ? undefined : Buffer.from(entry.cert.der, 'binary');
    return { kind: 'private-key', privateKeyInfo: Buffer.from(privateKeyInfo, 'binary'), certificate };
  }
  // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, … }
  const [, algorithm, key] = read.sequence(read.der(privateKeyInfo, 'secret key'), 'secret key');
  const oid = read.oid(read.sequence(algorithm, 'secret key algorithm')[0], 'secret key algorithm');
  return { kind: 'secret-key', algorithm: oid, key: Buffer.from(read.octets(key, 'secret key'), 'binary') };
}

/**
 * The DER PrivateKeyInfo of a key or secret bag, decrypted with the entry password when encrypted (its
 * key derivation charged to the file's budget).
 */
function privateKeyInfoOf(bag: KeyBag, password: string, budget: DerivationBudget): string {
  if (!bag.encrypted) return read.toDer(bag.value);
  const [algorithm, data] = read.sequence(bag.value, 'EncryptedPrivateKeyInfo');
  const plain = passwordDecrypt(algorithm, read.octets(data, 'encrypted key'), password, 'the entry', budget);
  // A wrong password almost always fails the padding check; when it passes by chance, the result is not
  // a DER SEQUENCE.
  if (plain === undefined || !isDerSequence(plain))
    throw new Pkcs12Error('ERR_RS_PKCS12_PASSWORD', 'the entry password is wrong (the key does not decrypt)');
  return plain;
}

function isDerSequence(binary: string): boolean {
  try {
    read.sequence(read.der(binary, 'key'), 'key');
    return true;
  } catch {
    return false;
  }
}
