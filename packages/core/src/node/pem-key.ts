import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { RsConfigError } from '../config/config-error.js';
import { RsError } from '../errors/rs-error.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import type { SecretKey } from '../secrets/secret-store.js';
import { keyObjectJwk } from './key-object-jwk.js';

const PRIVATE_LABELS: ReadonlySet<string> = new Set([
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
]);
const PUBLIC_LABELS: ReadonlySet<string> = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const CERTIFICATE = 'CERTIFICATE';
// Other blocks that hold a key (`OPENSSH PRIVATE KEY`, `DSA PRIVATE KEY`, `TRUSTED CERTIFICATE`): not read,
// so refused rather than passed over beside the key that is. `EC PARAMETERS` and the like are ignored.
const HOLDS_A_KEY = /(?:PRIVATE KEY|PUBLIC KEY|CERTIFICATE)$/;

/** One `-----BEGIN label-----` … `-----END label-----` block of a PEM file, markers included. */
export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/**
 * The PEM blocks of `pem`, in order: each `-----BEGIN label-----` followed by a line break, up to the
 * first `-----END label-----` of the same label after it; the text between is not looked at (the key
 * readers judge it). A BEGIN without its END is skipped, as is a BEGIN inside a block. This is what
 * `/-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g` matches, found in time linear in the
 * text's length: that regular expression searches from every BEGIN to the end of the text when the END is
 * missing, seconds for a megabyte of BEGIN lines. Here every END marker is found once, up front, and each
 * label's ENDs are consumed in order, never searched twice.
 */
export function pemBlocks(pem: string): PemBlock[] {
  const endsByLabel = new Map<string, { readonly at: number[]; next: number }>();
  for (let at = pem.indexOf(END); at !== -1; at = pem.indexOf(END, at + 1)) {
    const label = labelAt(pem, at + END.length);
    if (label === undefined) continue;
    const ends = endsByLabel.get(label) ?? { at: [], next: 0 };
    ends.at.push(at);
    endsByLabel.set(label, ends);
  }
  const blocks: PemBlock[] = [];
  // Where the next BEGIN is looked for: after the last one, and after the last block (BEGINs inside it
  // are its text).
  let from = 0;
  for (let at = pem.indexOf(BEGIN); at !== -1; at = pem.indexOf(BEGIN, Math.max(at + 1, from))) {
    const label = labelAt(pem, at + BEGIN.length);
    if (label === undefined) continue;
    let bodyStart = at + BEGIN.length + label.length + DASHES.length;
    if (pem[bodyStart] === '\r') bodyStart++;
    if (pem[bodyStart] !== '\n') continue;
    bodyStart++;
    const ends = endsByLabel.get(label);
    if (ends === undefined) continue;
    // BEGINs are met in order, so an END before this one's body serves no later BEGIN either.
    while (ends.next < ends.at.length && ends.at[ends.next]! < bodyStart) ends.next++;
    const end = ends.at[ends.next];
    if (end === undefined) continue;
    from = end + END.length + label.length + DASHES.length;
    blocks.push({ label, text: pem.slice(at, from) });
  }
  return blocks;
}

/** The label (`[A-Z0-9 ]+`) starting at `start` when `-----` follows it, else `undefined`. */
function labelAt(pem: string, start: number): string | undefined {
  let end = start;
  while (end < pem.length && isLabelCharacter(pem.charCodeAt(end))) end++;
  if (end === start || !pem.startsWith(DASHES, end)) return undefined;
  return pem.slice(start, end);
}

function isLabelCharacter(code: number): boolean {
  // A-Z, 0-9 and the space.
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 32;
}

/** Why a PEM file gave no key; the caller names the file and the option. */
class PemProblem extends RsError {
  override name = 'PemProblem';

  constructor(message: string) {
    super('ERR_RS_PEM', message);
  }
}

/**
 * The one key of a PEM file: its private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1) when it has one,
 * else its public key (SPKI or PKCS#1), else the public key of its first certificate (the leaf of a
 * chain). A file holding more than one key is refused: two private keys, a public key or a certificate
 * of another key than the private key's, two different public keys, certificates that are not one key's
 * certificate and its chain (the leaf first, then its issuers), or a block of a kind not read (`OPENSSH
 * PRIVATE KEY`). The same key given twice, as a private key and its public key or certificate, is one
 * key. Throws {@link RsConfigError} naming `option` and the file, as `fileInMessage` (the path, or
 * what `filePathInMessage` says in place of one that is not shown).
 */
export function pemKey(
  pem: string,
  fileInMessage: string,
  option: string,
  password: string | undefined,
): SecretKey {
  try {
    const { key, kind } = loadKey(pemBlocks(pem), password);
    const jwk = keyObjectJwk(key);
    if (jwk === undefined)
      throw new PemProblem(`holds a ${key.asymmetricKeyType ?? 'unknown'} key, which JOSE cannot use`);
    const problem = jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : undefined;
    if (problem !== undefined) throw new PemProblem(`holds an RSA key that is refused: ${problem}`);
    return { jwk, origin: `${fileInMessage} (${kind})` };
  } catch (error) {
    if (error instanceof PemProblem) throw new RsConfigError(option, `${fileInMessage} ${error.message}`);
    throw error;
  }
}

function loadKey(
  blocks: readonly PemBlock[],
  password: string | undefined,
): { key: KeyObject; kind: string } {
  const unread = blocks.find(
    (block) =>
      HOLDS_A_KEY.test(block.label) &&
      !PRIVATE_LABELS.has(block.label) &&
      !PUBLIC_LABELS.has(block.label) &&
      block.label !== CERTIFICATE,
  );
  if (unread !== undefined)
    throw new PemProblem(`holds a block labelled "${unread.label}": that kind of key is not read`);
  const privateBlocks = blocks.filter((block) => PRIVATE_LABELS.has(block.label));
  if (privateBlocks.length > 1) throw new PemProblem('holds several private keys; give one key per file');
  // Every public key and certificate is read, not only the one that gives the key: each must agree with it.
  const publicKeys = blocks
    .filter((block) => PUBLIC_LABELS.has(block.label))
    .map((block) =>
      attempt(
        () => createPublicKey({ key: block.text, format: 'pem' }),
        'holds a public key that cannot be read',
      ),
    );
  const certificates = blocks
    .filter((block) => block.label === CERTIFICATE)
    .map((block) =>
      attempt(() => {
        const certificate = new X509Certificate(block.text);
        return { certificate, publicKey: certificate.publicKey };
      }, 'holds a certificate that cannot be read'),
    );
  const { key, kind } = chosenKey(privateBlocks[0], publicKeys, certificates, password);
  const publicHalf = key.type === 'private' ? createPublicKey(key) : key;
  const keyKind = key.type === 'private' ? 'private key' : 'public key';
  // A second key beside the one read would be passed over in silence: tokens it verifies refused, or
  // a certificate trusted that does not certify the key in use.
  if (publicKeys.some((publicKey) => !sameKey(publicKey, publicHalf)))
    throw new PemProblem(
      key.type === 'private'
        ? 'holds a public key that is not the one of its private key; give one key per file'
        : 'holds several public keys; give one key per file',
    );
  checkCertificatesOf(certificates, publicHalf, keyKind);
  return { key, kind };
}

/** The private key when there is one, else the first public key, else the first certificate's key. */
function chosenKey(
  privateBlock: PemBlock | undefined,
  publicKeys: readonly KeyObject[],
  certificates: readonly ReadCertificate[],
  password: string | undefined,
): { key: KeyObject; kind: string } {
  if (privateBlock !== undefined) {
    const encrypted =
      privateBlock.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(privateBlock.text);
    if (encrypted && password === undefined)
      throw new PemProblem('holds an encrypted private key: give its password');
    const key = attempt(
      () => createPrivateKey({ key: privateBlock.text, format: 'pem', passphrase: password }),
      encrypted ? 'cannot be decrypted: the password is wrong' : 'holds a private key that cannot be read',
    );
    return { key, kind: privateBlock.label.toLowerCase() };
  }
  if (publicKeys[0] !== undefined) return { key: publicKeys[0], kind: 'public key' };
  if (certificates[0] !== undefined) return { key: certificates[0].publicKey, kind: 'certificate' };
  throw new PemProblem('holds no PEM private key, public key or certificate');
}

interface ReadCertificate {
  readonly certificate: X509Certificate;
  readonly publicKey: KeyObject;
}

/**
 * The certificates of a file must be its key's and that certificate's chain: one certificate (or more) of
 * the key, every other one the issuer of another certificate of the file (by its name and its signature).
 * Two unrelated certificates, or a certificate of another key, are refused.
 */
function checkCertificatesOf(
  certificates: readonly ReadCertificate[],
  publicHalf: KeyObject,
  keyKind: string,
): void {
  if (certificates.length === 0) return;
  if (!certificates.some(({ publicKey }) => sameKey(publicKey, publicHalf)))
    throw new PemProblem(`holds a certificate that is not the one of its ${keyKind}; give one key per file`);
  // Looked up by name first, so the signatures checked stay few whatever the number of certificates.
  const byIssuer = new Map<string, ReadCertificate[]>();
  for (const read of certificates) {
    const issued = byIssuer.get(read.certificate.issuer) ?? [];
    issued.push(read);
    byIssuer.set(read.certificate.issuer, issued);
  }
  for (const candidate of certificates) {
    if (sameKey(candidate.publicKey, publicHalf)) continue;
    const issuesAnother = (byIssuer.get(candidate.certificate.subject) ?? []).some(
      (issued) =>
        issued !== candidate &&
        issued.certificate.checkIssued(candidate.certificate) &&
        issued.certificate.verify(candidate.publicKey),
    );
    if (!issuesAnother)
      throw new PemProblem(
        'holds certificates of several keys; give one key per file (a chain is read as its first certificate, the leaf, followed by its issuers)',
      );
  }
}

/**
 * Whether two public keys are one key. `KeyObject.equals` is asked only about keys of one type and curve:
 * given keys of two types (RSA and EC) it leaves an OpenSSL error queued (Node 20), which makes the next
 * key read in the process fail, whatever file it comes from.
 */
function sameKey(a: KeyObject, b: KeyObject): boolean {
  return (
    a.asymmetricKeyType === b.asymmetricKeyType &&
    a.asymmetricKeyDetails?.namedCurve === b.asymmetricKeyDetails?.namedCurve &&
    a.equals(b)
  );
}

function attempt<T>(load: () => T, problem: string): T {
  try {
    return load();
  } catch {
    throw new PemProblem(problem);
  }
}
