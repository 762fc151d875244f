import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Certificates made at start-up, so no private key is ever committed. Paths are for curl. */
export interface DemoPki {
  readonly dir: string;
  /** The loopback server's certificate (self-signed, `127.0.0.1` and `localhost`): curl's `--cacert`. */
  readonly serverCertPath: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  /** A client certificate signed by a demo client CA: curl's `--cert` and `--key`. */
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  cleanup(): void;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Generates the demo certificates with openssl into a fresh temporary directory. */
export function createDemoPki(): DemoPki {
  const dir = mkdtempSync(join(tmpdir(), 'rs-sample-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const subj = (cn: string) => ['-days', '30', '-subj', `/CN=${cn}`];
  const san = ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'];
  openssl(
    'req',
    '-x509',
    ...EC_KEY,
    ...san,
    '-keyout',
    'server.key',
    '-out',
    'server.pem',
    ...subj('localhost'),
  );
  openssl(
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    'client-ca.key',
    '-out',
    'client-ca.pem',
    ...subj('sample client CA'),
  );
  openssl(
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
    '-subj',
    '/CN=sample-mtls-client',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'client-ca.pem',
    '-CAkey',
    'client-ca.key',
    '-set_serial',
    String(Date.now()),
    '-days',
    '30',
    '-extfile',
    'client.ext',
    '-out',
    'client.pem',
  );
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    dir,
    serverCertPath: join(dir, 'server.pem'),
    serverCertPem: read('server.pem'),
    serverKeyPem: read('server.key'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    clientCertPem: read('client.pem'),
    clientKeyPem: read('client.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
