import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { RsConfigError } from '../config/config-error.js';
import { RsError } from '../errors/rs-error.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import type { SecretKey } from '../secrets/secret-store.js';
import { keyObjectJwk } from './key-object-jwk.js';
import { keyDerivationProblem } from './pem-key-derivation.js';

const PRIVATE_LABELS: ReadonlySet<string> = new Set([
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
]);
const PUBLIC_LABELS: ReadonlySet<string> = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const CERTIFICATE = 'CERTIFICATE';
// Other blocks that hold a key (`OPENSSH PRIVATE KEY`, `DSA PRIVATE KEY`, `TRUSTED CERTIFICATE`, and
// labels in lower case, which OpenSSL matches without regard to case for some key types): not read, so
// refused rather than passed over beside the key that is. `EC PARAMETERS` and the like are ignored.
const HOLDS_A_KEY = /(?:PRIVATE KEY|PUBLIC KEY|CERTIFICATE)$/i;

/** One `-----BEGIN label-----` … `-----END label-----` block of a PEM file, markers included. */
export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

/** What {@link pemBlocks} read: the blocks of a PEM text, or why the text is refused. */
export type PemScan =
  | { readonly ok: true; readonly blocks: readonly PemBlock[] }
  | { readonly ok: false; readonly problem: string };

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const BYTE_ORDER_MARK = 0xfeff;

/**
 * The PEM blocks of `pem`, in order, or why it is refused. A block is a line `-----BEGIN label-----`, then
 * lines the key readers judge, then a line `-----END label-----` of the same label; a marker line may end
 * in spaces, tabs and carriage returns. Every `-----BEGIN ` and `-----END ` of the text must be such a
 * line and pair up so: a marker that does not start its line, is followed by anything else on its line,
 * opens a block inside another, closes no block or another label's, or opens a block never closed is
 * refused, never passed over. OpenSSL (and so Node's key and certificate readers, and its TLS) strips
 * more from the end of a marker line (any control character, and bytes from 0x80 where `char` is
 * signed) and passes over a line it does not read as a marker: a block passed over here but read there,
 * or the reverse, would make one file give two different keys. A byte order mark may open the text.
 *
 * One pass over the text: each marker is found once, and the first problem ends the scan.
 */
export function pemBlocks(pem: string): PemScan {
  const blocks: PemBlock[] = [];
  let open: { readonly label: string; readonly at: number } | undefined;
  let nextBegin = pem.indexOf(BEGIN);
  let nextEnd = pem.indexOf(END);
  while (nextBegin !== -1 || nextEnd !== -1) {
    const isBegin = nextEnd === -1 || (nextBegin !== -1 && nextBegin < nextEnd);
    const at = isBegin ? nextBegin : nextEnd;
    const marker = markerLine(pem, at, isBegin ? BEGIN : END);
    if (marker === undefined)
      return unreadMarker(
        pem,
        at,
        'each -----BEGIN …----- and -----END …----- marker must be alone on its line',
      );
    if (isBegin) {
      if (open !== undefined)
        return unreadMarker(
          pem,
          at,
          `a BEGIN marker inside the block opened on line ${lineOf(pem, open.at)}`,
        );
      open = { label: marker.label, at };
    } else {
      if (open === undefined) return unreadMarker(pem, at, 'an END marker that closes no block');
      if (marker.label !== open.label)
        return unreadMarker(
          pem,
          at,
          `an END marker of another label than the BEGIN marker on line ${lineOf(pem, open.at)}`,
        );
      blocks.push({ label: open.label, text: pem.slice(open.at, marker.end) });
      open = undefined;
    }
    // Searched again only past this marker's line, so each occurrence is found once.
    if (nextBegin !== -1 && nextBegin < marker.next) nextBegin = pem.indexOf(BEGIN, marker.next);
    if (nextEnd !== -1 && nextEnd < marker.next) nextEnd = pem.indexOf(END, marker.next);
  }
  if (open !== undefined) return unreadMarker(pem, open.at, 'a BEGIN marker without its END marker');
  return { ok: true, blocks };
}

/**
 * The marker starting at `at` (`keyword` being `-----BEGIN ` or `-----END `) when it is a line of its own:
 * its label, where its final dashes end, and where the next line starts. `undefined` otherwise.
 */
function markerLine(
  pem: string,
  at: number,
  keyword: string,
): { readonly label: string; readonly end: number; readonly next: number } | undefined {
  // A byte order mark may open the text (OpenSSL skips one on the first line).
  const startsLine = at === 0 || pem[at - 1] === '\n' || (at === 1 && pem.charCodeAt(0) === BYTE_ORDER_MARK);
  if (!startsLine) return undefined;
  const label = labelAt(pem, at + keyword.length);
  if (label === undefined) return undefined;
  const end = at + keyword.length + label.length + DASHES.length;
  let next = end;
  while (pem[next] === ' ' || pem[next] === '\t' || pem[next] === '\r') next++;
  if (next === pem.length) return { label, end, next };
  return pem[next] === '\n' ? { label, end, next: next + 1 } : undefined;
}

/**
 * The label starting at `start`: printable ASCII up to the first `-----`, and not empty (RFC 7468 §3 also
 * allows lower case, digits and punctuation). `undefined` when the line holds no such label.
 */
function labelAt(pem: string, start: number): string | undefined {
  let end = start;
  while (end < pem.length && !pem.startsWith(DASHES, end) && isLabelCharacter(pem.charCodeAt(end))) end++;
  if (end === start || !pem.startsWith(DASHES, end)) return undefined;
  return pem.slice(start, end);
}

function isLabelCharacter(code: number): boolean {
  // The space and printable ASCII.
  return code >= 0x20 && code <= 0x7e;
}

/** The refusal of the marker at `at`, by its line number: the line itself is not repeated. */
function unreadMarker(pem: string, at: number, why: string): PemScan {
  return {
    ok: false,
    problem: `holds a PEM marker that could not be read (line ${lineOf(pem, at)}): ${why}`,
  };
}

function lineOf(pem: string, at: number): number {
  let line = 1;
  for (let index = pem.indexOf('\n'); index !== -1 && index < at; index = pem.indexOf('\n', index + 1))
    line++;
  return line;
}

/**
 * Why a PEM file gave no key, code `ERR_RS_PEM`; the caller names the file and the option, and keeps it
 * as the `cause` of its {@link RsConfigError}.
 */
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
 * PRIVATE KEY`). So is a file with a marker line that may not be read as OpenSSL reads it (see
 * {@link pemBlocks}): passed over, it could hide a key OpenSSL would read first. The same key given
 * twice, as a private key and its public key or certificate, is one key. Throws {@link RsConfigError}
 * naming `option` and the file, as `fileInMessage` (the path, or what `filePathInMessage` says in place
 * of one that is not shown), with an `RsError` of code `ERR_RS_PEM` as its `cause`: the code that tells a
 * file that is not a key of the kind expected from the other mistakes of the option.
 */
export function pemKey(
  pem: string,
  fileInMessage: string,
  option: string,
  password: string | undefined,
): SecretKey {
  try {
    const scan = pemBlocks(pem);
    if (!scan.ok) throw new PemProblem(scan.problem);
    const { key, kind } = loadKey(scan.blocks, password);
    const jwk = keyObjectJwk(key);
    if (jwk === undefined)
      throw new PemProblem(`holds a ${key.asymmetricKeyType ?? 'unknown'} key, which JOSE cannot use`);
    const problem = jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : undefined;
    if (problem !== undefined) throw new PemProblem(`holds an RSA key that is refused: ${problem}`);
    return { jwk, origin: `${fileInMessage} (${kind})` };
  } catch (error) {
    if (error instanceof PemProblem)
      throw new RsConfigError(option, `${fileInMessage} ${error.message}`, { cause: error });
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
    if (privateBlock.label === 'ENCRYPTED PRIVATE KEY') {
      const problem = keyDerivationProblem(privateBlock.text);
      if (problem !== undefined) throw new PemProblem(problem);
    }
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
