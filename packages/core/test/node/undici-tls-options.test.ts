import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UndiciHttpClientOptions, undiciHttpClient } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture } from '../secrets-setup.js';

let pki: TestPki;
let server: Server;
let url: string;
beforeAll(async () => {
  pki = createTestPki();
  // An authorization server that asks for a client certificate signed by the test CA, and says whose
  // certificate it was given.
  server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.pem,
      ca: pki.ca.pem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ subject: peer.subject?.CN }));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  pki?.cleanup();
});

/** The refusal of `tls`: an RsConfigError naming `option`, repeating no line of the key given. */
function refusalOf(tls: UndiciHttpClientOptions['tls'], option: string): string {
  const { message } = expectConfigError(() => undiciHttpClient({ tls }), option);
  for (const keyPem of [pki.client.keyPem, pki.other.keyPem])
    for (const line of keyPem.split('\n').filter((line) => line.length > 20))
      expect(message).not.toContain(line.slice(0, 24));
  return message;
}

describe('undiciHttpClient tls options are checked when the client is built', () => {
  it('refuses a cert or a key that cannot be read', () => {
    expect(refusalOf({ cert: 'garbage', key: 'garbage' }, 'undiciHttpClient.tls.cert')).toContain(
      'holds a certificate that cannot be read',
    );
    expect(refusalOf({ cert: pki.client.pem, key: 'garbage' }, 'undiciHttpClient.tls.key')).toContain(
      'is not a PEM private key that can be read',
    );
    // A DER certificate is a certificate, but TLS takes PEM only.
    expect(refusalOf({ cert: pki.client.der, key: pki.client.keyPem }, 'undiciHttpClient.tls')).toContain(
      'cannot be used for TLS',
    );
    // No option takes a password: an encrypted key could never be used.
    const encrypted = createPrivateKey(pki.client.keyPem)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass' })
      .toString();
    refusalOf({ cert: pki.client.pem, key: encrypted }, 'undiciHttpClient.tls.key');
  });

  it('refuses a certificate that is not the key’s (Node would drop the key without a word)', async () => {
    expect(refusalOf({ cert: pki.client.pem, key: pki.other.keyPem }, 'undiciHttpClient.tls')).toContain(
      'is not the one of the private key',
    );
    // An RSA key for an EC certificate; comparing them leaves nothing behind for the next client.
    const rsaKey = readFileSync(fixture('rsa-signing.key.pem'), 'utf8');
    refusalOf({ cert: pki.client.pem, key: rsaKey }, 'undiciHttpClient.tls');
    const client = undiciHttpClient({ tls: { cert: pki.client.pem, key: pki.client.keyPem } });
    expect(client.presentsClientCertificate).toBe(true);
    await client.close();
  });

  it('refuses a key without a cert, and a cert without a key', () => {
    expect(refusalOf({ key: pki.client.keyPem }, 'undiciHttpClient.tls')).toContain('has a key but no cert');
    expect(refusalOf({ cert: pki.client.pem, ca: pki.ca.pem }, 'undiciHttpClient.tls')).toContain(
      'has a cert but no key',
    );
  });

  it('refuses a ca that holds no readable certificate (it would trust nothing)', () => {
    expect(refusalOf({ ca: 'garbage' }, 'undiciHttpClient.tls.ca')).toContain('holds no PEM certificate');
    const broken = pki.ca.pem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect(refusalOf({ ca: pki.server.pem + broken }, 'undiciHttpClient.tls.ca')).toContain(
      'holds a certificate that cannot be read',
    );
  });

  it('presents a good certificate and key over real TLS, and says it does', async () => {
    const client = undiciHttpClient({
      tls: { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem },
    });
    try {
      expect(client.presentsClientCertificate).toBe(true);
      const response = await client.send({ method: 'GET', url, timeoutMs: 5000, maxResponseBytes: 1024 });
      expect(response.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({ subject: 'client.example.com' });
      // Buffers are taken as well as strings.
      const fromBuffers = undiciHttpClient({
        tls: {
          ca: Buffer.from(pki.ca.pem),
          cert: Buffer.from(pki.client.pem),
          key: Buffer.from(pki.client.keyPem),
        },
      });
      expect(fromBuffers.presentsClientCertificate).toBe(true);
      await fromBuffers.close();
    } finally {
      await client.close();
    }
  });

  it('says when it presents no certificate', async () => {
    for (const client of [undiciHttpClient(), undiciHttpClient({ tls: { ca: pki.ca.pem } })]) {
      expect(client.presentsClientCertificate).toBe(false);
      await client.close();
    }
  });
});
