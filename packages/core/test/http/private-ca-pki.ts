import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/**
 * An authorization server's private PKI, made by openssl at test time (nothing committed to go stale): a
 * CA no runtime trusts, a server certificate it signed for every loopback name (127.0.0.1, ::1,
 * localhost), one for another host, one already expired, and a client certificate for mutual TLS.
 */
export interface PrivateCaPki {
  readonly ca: string;
  readonly server: PemPair;
  readonly otherHost: PemPair;
  readonly expired: PemPair;
  readonly client: PemPair;
  cleanup(): void;
}

const LOOPBACK_NAMES = 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost';

export function createPrivateCaPki(): PrivateCaPki {
  const dir = mkdtempSync(join(tmpdir(), 'rs-private-ca-'));
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=rs private CA',
  );
  let serial = Date.now();
  const signed = (name: string, subject: string, extension: string, days: string): PemPair => {
    openssl('req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
    // `-days -1` ends the validity a day before it begins: a certificate that has expired.
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(serial++),
      '-days',
      days,
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
    return {
      cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    };
  };
  return {
    server: signed('server', '/CN=localhost', LOOPBACK_NAMES, '1'),
    otherHost: signed('other-host', '/CN=as.other.example', 'subjectAltName=DNS:as.other.example', '1'),
    expired: signed('expired', '/CN=localhost', LOOPBACK_NAMES, '-1'),
    client: signed('client', '/CN=rs-client', 'extendedKeyUsage=clientAuth', '1'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
