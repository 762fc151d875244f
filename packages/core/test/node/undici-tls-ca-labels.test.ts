import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, createSecureContext } from 'node:tls';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undiciHttpClient } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';

let pki: TestPki;
let server: Server;
let port: number;
beforeAll(async () => {
  pki = createTestPki();
  server = createServer({ key: pki.server.keyPem, cert: pki.server.pem }, (_request, response) =>
    response.end('{}'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  pki?.cleanup();
});

/** Whether Node's own TLS, given `ca` through `createSecureContext`, trusts the test server. */
function nodeTrusts(ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      secureContext: createSecureContext({ ca }),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      resolve(socket.authorized);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Whether `undiciHttpClient({ tls: { ca } })` is built and, when it is, reaches the test server. */
async function ourClientTrusts(ca: string): Promise<boolean> {
  let client: ReturnType<typeof undiciHttpClient>;
  try {
    client = undiciHttpClient({ tls: { ca } });
  } catch {
    return false;
  }
  try {
    const response = await client.send({
      method: 'GET',
      url: `https://127.0.0.1:${port}/`,
      timeoutMs: 5000,
      maxResponseBytes: 1024,
    });
    return response.status === 200;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** The CA certificate as `openssl x509 -trustout` writes it, with `extra` arguments. */
function trustout(...extra: string[]): string {
  return execFileSync('openssl', ['x509', '-trustout', ...extra], { input: pki.ca.pem }).toString();
}

const relabelled = (pem: string, label: string) =>
  pem.replace(/(-----(?:BEGIN|END) )CERTIFICATE-----/g, `$1${label}-----`);

describe('undiciHttpClient tls.ca takes the certificates Node’s TLS trusts', () => {
  it('agrees with createSecureContext on every kind of block a CA bundle may hold', async () => {
    const cases: [string, string][] = [
      ['CERTIFICATE', pki.ca.pem],
      // `openssl x509 -trustout`, and Fedora/RHEL's ca-bundle.trust.crt.
      ['TRUSTED CERTIFICATE (openssl x509 -trustout)', trustout()],
      ['TRUSTED CERTIFICATE with serverAuth trusted', trustout('-addtrust', 'serverAuth')],
      ['X509 CERTIFICATE (the old label)', relabelled(pki.ca.pem, 'X509 CERTIFICATE')],
      ['certificate in lower case', relabelled(pki.ca.pem, 'certificate')],
      ['CERTIFICATE REQUEST', relabelled(pki.ca.pem, 'CERTIFICATE REQUEST')],
      ['PKCS7', relabelled(pki.ca.pem, 'PKCS7')],
      ['CERTIFICATE PAIR', relabelled(pki.ca.pem, 'CERTIFICATE PAIR')],
      ['X509 CRL', relabelled(pki.ca.pem, 'X509 CRL')],
      ['a BEGIN line ending in a space', pki.ca.pem.replace('CERTIFICATE-----\n', 'CERTIFICATE----- \n')],
      ['CRLF line breaks', pki.ca.pem.replace(/\n/g, '\r\n')],
      ['another CA only', pki.other.pem],
      ['another CA, then the CA', pki.other.pem + pki.ca.pem],
      ['another CA, then the CA as TRUSTED CERTIFICATE', pki.other.pem + trustout()],
    ];
    const trusted: string[] = [];
    for (const [label, ca] of cases) {
      const node = await nodeTrusts(ca);
      expect(await ourClientTrusts(ca), label).toBe(node);
      if (node) trusted.push(label);
    }
    // The comparison is not vacuous: both labels Node reads besides CERTIFICATE are among those trusted.
    expect(trusted).toEqual([
      'CERTIFICATE',
      'TRUSTED CERTIFICATE (openssl x509 -trustout)',
      'TRUSTED CERTIFICATE with serverAuth trusted',
      'X509 CERTIFICATE (the old label)',
      'a BEGIN line ending in a space',
      'CRLF line breaks',
      'another CA, then the CA',
      'another CA, then the CA as TRUSTED CERTIFICATE',
    ]);
  });

  it('refuses a TRUSTED CERTIFICATE that cannot be read, as it refuses a CERTIFICATE', () => {
    const broken = trustout().replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    const { message } = expectConfigError(
      () => undiciHttpClient({ tls: { ca: pki.other.pem + broken } }),
      'undiciHttpClient.tls.ca',
    );
    expect(message).toContain('holds a certificate that cannot be read');
  });

  it('refuses a PEM marker it cannot read rather than passing over it', () => {
    for (const ca of [
      pki.other.pem.replace('CERTIFICATE-----\n', 'CERTIFICATE-----x\n') + pki.ca.pem,
      pki.other.pem.trimEnd() + pki.ca.pem,
      `${pki.ca.pem}-----BEGIN CERTIFICATE-----\n`,
    ]) {
      const { message } = expectConfigError(
        () => undiciHttpClient({ tls: { ca } }),
        'undiciHttpClient.tls.ca',
      );
      expect(message).toContain('holds a PEM marker that could not be read');
    }
  });
});
