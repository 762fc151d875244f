import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../test-pki.js';
import type { ConformanceDriver } from './driver.js';
import { type ConformanceIssuer, conformanceIssuer, conformanceOptions, useConformanceApp } from './setup.js';

const HEADER = 'x-conformance-client-cert';
/** A documentation address (RFC 5737) that no driver sends from. */
const ELSEWHERE = '198.51.100.7';

/**
 * Certificate-bound tokens (RFC 8705): the certificate comes from a TLS-terminating proxy's header
 * (NGINX `$ssl_client_escaped_cert`) or from the client's own connection, where the adapter sees one.
 */
export function certificateCases(driver: ConformanceDriver): void {
  describe('certificate-bound tokens (RFC 8705)', () => {
    let pki: TestPki;
    let issuer: ConformanceIssuer;
    beforeAll(async () => {
      pki = createTestPki();
      issuer = await conformanceIssuer();
    });
    afterAll(() => pki?.cleanup());

    const boundToken = () => issuer.mint({ scope: 'read', cnf: { 'x5t#S256': pki.client.thumbprint } });
    const withHeader = (token: string, header?: string | readonly string[]) =>
      ({
        method: 'GET',
        path: '/items',
        headers: { authorization: `Bearer ${token}`, ...(header === undefined ? {} : { [HEADER]: header }) },
      }) as const;

    describe('from a proxy header', () => {
      const app = useConformanceApp(driver, () =>
        conformanceOptions(issuer.resolver, { certificateHeader: { name: HEADER } }),
      );

      it('accepts the certificate the token is bound to', async () => {
        const response = await app().request(
          withHeader(await boundToken(), encodeURIComponent(pki.client.pem)),
        );
        expect(response.status).toBe(200);
      });

      it('refuses another certificate, and no certificate', async () => {
        const token = await boundToken();
        const other = await app().request(withHeader(token, encodeURIComponent(pki.other.pem)));
        expect(other.status).toBe(401);
        expect(other.body).toMatchObject({ error: 'invalid_token', code: 'certificate_mismatch' });
        const none = await app().request(withHeader(token));
        expect(none.status).toBe(401);
        expect(none.body).toMatchObject({ error: 'invalid_token', code: 'certificate_missing' });
      });

      it('refuses the header sent twice, even with the bound certificate first', async () => {
        const bound = encodeURIComponent(pki.client.pem);
        const response = await app().request(
          withHeader(await boundToken(), [bound, encodeURIComponent(pki.other.pem)]),
        );
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'invalid_token', code: 'certificate_header_invalid' });
      });
    });

    // Only where the adapter sees the peer's address: the Fetch adapters, which never do, refuse
    // trustedProxies when the server is built.
    describe.runIf(driver.peerAddress !== undefined)(
      'from the header of a peer that is not a trusted proxy',
      () => {
        const app = useConformanceApp(driver, () =>
          conformanceOptions(issuer.resolver, {
            certificateHeader: { name: HEADER, trustedProxies: [ELSEWHERE] },
          }),
        );

        it('ignores the header', async () => {
          const response = await app().request(
            withHeader(await boundToken(), encodeURIComponent(pki.client.pem)),
          );
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ code: 'certificate_missing' });
        });
      },
    );

    describe.runIf(driver.peerAddress !== undefined)('from the header of a trusted proxy', () => {
      const app = useConformanceApp(driver, () =>
        conformanceOptions(issuer.resolver, {
          certificateHeader: { name: HEADER, trustedProxies: [ELSEWHERE, driver.peerAddress!] },
        }),
      );

      it('accepts the certificate the token is bound to', async () => {
        const response = await app().request(
          withHeader(await boundToken(), encodeURIComponent(pki.client.pem)),
        );
        expect(response.status).toBe(200);
      });
    });

    describe.runIf(driver.connectionCertificates === true)('from the client connection', () => {
      const app = useConformanceApp(
        driver,
        () => conformanceOptions(issuer.resolver),
        () => ({ cert: pki.server.pem, key: pki.server.keyPem, ca: pki.ca.pem }),
      );
      const presenting = (token: string, certificate: { pem: string; keyPem: string } | undefined) => ({
        ...withHeader(token),
        ...(certificate === undefined ? {} : { clientCertificate: certificate }),
      });

      it('accepts the certificate the token is bound to', async () => {
        const response = await app().request(presenting(await boundToken(), pki.client));
        expect(response.status).toBe(200);
      });

      it('refuses another certificate, and no certificate', async () => {
        const token = await boundToken();
        const other = await app().request(presenting(token, pki.other));
        expect(other.status).toBe(401);
        expect(other.body).toMatchObject({ error: 'invalid_token', code: 'certificate_mismatch' });
        const none = await app().request(presenting(token, undefined));
        expect(none.status).toBe(401);
        expect(none.body).toMatchObject({ error: 'invalid_token', code: 'certificate_missing' });
      });
    });

    describe('on a request without any certificate', () => {
      const app = useConformanceApp(driver, () => conformanceOptions(issuer.resolver));

      it('refuses a bound token', async () => {
        const response = await app().request(
          withHeader(await boundToken(), encodeURIComponent(pki.client.pem)),
        );
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ code: 'certificate_missing' });
      });
    });
  });
}
