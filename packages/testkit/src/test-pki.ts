import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate made by openssl, with what openssl itself says about it. */
export interface TestCertificate {
  /** The certificate, PEM. */
  readonly pem: string;
  /** The certificate, DER. */
  readonly der: Buffer;
  /** Its private key, PEM. */
  readonly keyPem: string;
  /** base64url SHA-256 of the DER, computed by `openssl dgst`, not by the code under test. */
  readonly thumbprint: string;
  /** The same digest in hex, as Envoy's `Hash=` carries it. */
  readonly hex: string;
}

/**
 * A small PKI on disk, made with openssl for the tests: a CA no runtime trusts, a client certificate it
 * signed, an unrelated client, a loopback server, and (made on first use) a server certificate for another
 * host and one already expired, for the TLS checks of a client.
 */
export interface TestPki {
  /** The CA, which signed `client` and `server`. */
  readonly ca: TestCertificate;
  /** A client certificate the CA signed. */
  readonly client: TestCertificate;
  /** A client certificate the CA did not sign. */
  readonly other: TestCertificate;
  /** A server certificate for every loopback name (`127.0.0.1`, `::1`, `localhost`), signed by the CA. */
  readonly server: TestCertificate;
  /** A server certificate the CA signed for `as.other.example` only: wrong for a loopback server. */
  readonly otherHostServer: TestCertificate;
  /** A loopback server certificate the CA signed that has expired (its validity ended before it began). */
  readonly expiredServer: TestCertificate;
  /** Deletes the folder the files were made in. */
  cleanup(): void;
}

/** Runs openssl in `dir`; real certificates, no fixtures to go stale. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'rs-pki-'));
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
    '/CN=rs test CA',
  );
  let serial = Date.now();
  const signed = (name: string, subject: string, extension?: string, days = '1') => {
    openssl('req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const extra: string[] = [];
    if (extension !== undefined) {
      writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
      extra.push('-extfile', `${name}.ext`);
    }
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
      // `-days -1` ends the validity a day before it begins: a certificate that has expired.
      '-days',
      days,
      '-out',
      `${name}.pem`,
      ...extra,
    );
  };
  signed('client', '/CN=client.example.com/O=Example', 'extendedKeyUsage=clientAuth');
  const loopbackNames = 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost';
  signed('server', '/CN=localhost', loopbackNames);
  openssl(
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
    '-days',
    '1',
    '-subj',
    '/CN=other',
  );

  const load = (name: string): TestCertificate => {
    openssl('x509', '-in', `${name}.pem`, '-outform', 'der', '-out', `${name}.der`);
    const digest = openssl('dgst', '-sha256', '-binary', `${name}.der`);
    return {
      pem: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      der: readFileSync(join(dir, `${name}.der`)),
      keyPem: readFileSync(join(dir, `${name}.key`), 'utf8'),
      thumbprint: digest.toString('base64url'),
      hex: digest.toString('hex'),
    };
  };
  const madeOnFirstUse = (make: () => TestCertificate) => {
    let made: TestCertificate | undefined;
    return () => {
      made ??= make();
      return made;
    };
  };
  const otherHostServer = madeOnFirstUse(() => {
    signed('other-host', '/CN=as.other.example', 'subjectAltName=DNS:as.other.example');
    return load('other-host');
  });
  const expiredServer = madeOnFirstUse(() => {
    signed('expired', '/CN=localhost', loopbackNames, '-1');
    return load('expired');
  });
  return {
    ca: load('ca'),
    client: load('client'),
    other: load('other'),
    server: load('server'),
    get otherHostServer() {
      return otherHostServer();
    },
    get expiredServer() {
      return expiredServer();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PEM with its line breaks removed, as WSO2's load balancer sends it. */
export function oneLinePem(pem: string): string {
  return pem.replace(/\r?\n/g, '');
}
