import { createTestPki, oneLinePem, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateHeaderFormat,
  certificateThumbprint,
  type PresentedCertificate,
  parseClientCertHeader,
} from '../../src/index.js';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

/** The certificate a header value stands for, as the base64url thumbprint the token's cnf would hold. */
async function thumbprintOf(presented: PresentedCertificate | undefined): Promise<string | undefined> {
  if (presented === undefined) return undefined;
  if (presented.der !== undefined) return certificateThumbprint(presented.der);
  return Buffer.from(presented.digest!).toString('base64url');
}

/** Every proxy encoding of the standards.md table, produced from one certificate. */
function encodings(
  pem: string,
  der: Buffer,
  hex: string,
  chainDer: Buffer,
): [string, CertificateHeaderFormat, string][] {
  const base64Der = der.toString('base64');
  return [
    ['PEM, multi-line', 'pem', pem],
    ['PEM on one line (WSO2, x-wso2-mtls-cert)', 'pem', oneLinePem(pem)],
    ['PEM with lines folded into spaces', 'pem', pem.trim().replace(/\n/g, ' ')],
    ['nginx $ssl_client_escaped_cert (URL-encoded PEM)', 'url-encoded-pem', encodeURIComponent(pem)],
    // ALB escapes spaces and line breaks only: "+", "=" and "/" stay raw and must not become spaces.
    [
      'AWS ALB X-Amzn-Mtls-Clientcert-Leaf',
      'url-encoded-pem',
      pem.replace(/ /g, '%20').replace(/\n/g, '%0A'),
    ],
    ['Azure X-ARR-ClientCert (base64 DER)', 'base64-der', base64Der],
    ['HAProxy ssl_c_der,base64', 'base64-der', base64Der],
    ['Traefik v3 (chain, leaf first)', 'base64-der', `${base64Der},${chainDer.toString('base64')}`],
    ['gateway CertificateThumbprintFilter (base64 PEM)', 'base64-pem', Buffer.from(pem).toString('base64')],
    ['RFC 9440 Client-Cert', 'rfc9440', `:${base64Der}:`],
    [
      'Envoy XFCC with Cert and Hash',
      'envoy-xfcc',
      `By=spiffe://cluster.local/ns/api/sa/api;Hash=${hex};Cert="${encodeURIComponent(pem)}";` +
        'Subject="CN=client.example.com,O=Example";URI=spiffe://cluster.local/ns/app/sa/client',
    ],
    ['Envoy XFCC with Hash only', 'envoy-xfcc', `Hash=${hex};Subject="CN=client.example.com,O=Example"`],
  ];
}

describe('every proxy header format, from one certificate', () => {
  it('yields the thumbprint openssl computes, in its own format and in auto', async () => {
    const { pem, der, hex, thumbprint } = pki.client;
    expect(await certificateThumbprint(pem)).toBe(thumbprint);
    expect(await certificateThumbprint(der)).toBe(thumbprint);
    for (const [name, format, value] of encodings(pem, der, hex, pki.ca.der)) {
      expect(await thumbprintOf(parseClientCertHeader(value, format)), name).toBe(thumbprint);
      // Envoy's Hash= alone only counts when configured explicitly (certificate-header-ambiguity.test.ts).
      if (name === 'Envoy XFCC with Hash only') continue;
      expect(await thumbprintOf(parseClientCertHeader(value, 'auto')), `${name} (auto)`).toBe(thumbprint);
      expect(await thumbprintOf(parseClientCertHeader(value)), `${name} (default)`).toBe(thumbprint);
      expect(await thumbprintOf(parseClientCertHeader(`  ${value}  `, format)), `${name} (padded)`).toBe(
        thumbprint,
      );
    }
  });

  it('reads the leaf of a PEM chain and of an RFC 9440 value with parameters', async () => {
    const { client, ca } = pki;
    expect(await thumbprintOf(parseClientCertHeader(client.pem + ca.pem, 'pem'))).toBe(client.thumbprint);
    expect(
      await thumbprintOf(parseClientCertHeader(`:${client.der.toString('base64')}:;x=1`, 'rfc9440')),
    ).toBe(client.thumbprint);
  });

  it('keeps a raw "+" as "+" in URL-encoded PEM: percent-decoding, never form decoding', async () => {
    const { pem, thumbprint } = pki.client;
    // Base64 bodies are full of "+": a decoder that turned them into spaces would corrupt the DER.
    const raw = pem.replace(/ /g, '%20').replace(/\n/g, '%0A');
    expect(raw).toMatch(/[+/]/);
    expect(await thumbprintOf(parseClientCertHeader(raw, 'url-encoded-pem'))).toBe(thumbprint);
  });
});

describe('a value that is not one certificate in the format', () => {
  it('is undefined, never an exception', () => {
    const { client, other, ca } = pki;
    const base64Der = client.der.toString('base64');
    const cases: [string, CertificateHeaderFormat, string][] = [
      ['empty', 'auto', ''],
      ['garbage', 'auto', 'not a certificate'],
      ['garbage base64', 'base64-der', 'AAAA'],
      ['PEM in the base64 DER format', 'base64-der', client.pem],
      ['base64 DER in the PEM format', 'pem', base64Der],
      ['a private key', 'pem', client.keyPem],
      ['a private key, auto', 'auto', client.keyPem],
      ['truncated DER', 'base64-der', client.der.subarray(0, client.der.length - 10).toString('base64')],
      [
        'DER with a trailing byte',
        'base64-der',
        Buffer.concat([client.der, Buffer.from([0])]).toString('base64'),
      ],
      ['two certificates glued', 'base64-der', Buffer.concat([client.der, ca.der]).toString('base64')],
      ['bad percent-encoding', 'url-encoded-pem', `${encodeURIComponent(client.pem)}%ZZ`],
      [
        'form-encoded PEM ("+" for spaces)',
        'url-encoded-pem',
        encodeURIComponent(client.pem).replace(/%20/g, '+'),
      ],
      ['PEM without END', 'pem', client.pem.replace(/-----END CERTIFICATE-----/, '')],
      ['RFC 9440 without colons', 'rfc9440', base64Der],
      ['base64 with whitespace inside', 'base64-der', `${base64Der.slice(0, 20)} ${base64Der.slice(20)}`],
      ['XFCC with a bad hash', 'envoy-xfcc', `Hash=${client.hex.slice(2)}`],
      ['XFCC with two elements', 'envoy-xfcc', `Hash=${client.hex},Hash=${other.hex}`],
      ['XFCC with two hashes', 'envoy-xfcc', `Hash=${client.hex};Hash=${other.hex}`],
      ['XFCC with an open quote', 'envoy-xfcc', `Hash=${client.hex};Subject="CN=x`],
      ['XFCC without a certificate', 'envoy-xfcc', 'By=spiffe://a;URI=spiffe://b'],
      ['XFCC with a pair without "="', 'envoy-xfcc', `Hash=${client.hex};oops`],
      ['XFCC whose Cert is garbage', 'envoy-xfcc', 'Cert="abc"'],
      ['XFCC with text after a closing quote', 'envoy-xfcc', `Subject="CN=x"y;Hash=${client.hex}`],
      ['XFCC with a quote inside a bare value', 'envoy-xfcc', `Subject=CN="x";Hash=${client.hex}`],
      ['XFCC with an escape outside quotes', 'envoy-xfcc', `Subject=CN\\"x;Hash=${client.hex}`],
      ['XFCC with a key that is no token', 'envoy-xfcc', `Ha sh=${client.hex}`],
    ];
    for (const [name, format, value] of cases) {
      expect(parseClientCertHeader(value, format), name).toBeUndefined();
    }
  });

  it("refuses a client's XFCC prefix whose open quote would swallow the proxy's element", () => {
    const { client, other } = pki;
    // The client sends its own header naming the victim's certificate and leaves a quote open; a proxy
    // forwarding with APPEND_FORWARD adds its element for the client's real certificate, whose subject
    // (chosen by the client) holds a quote that Envoy writes as \".
    const prefix = `Cert="${encodeURIComponent(client.pem)}";X="`;
    const proxyElement =
      `By=spiffe://rs;Hash=${other.hex};Cert="${encodeURIComponent(other.pem)}";` +
      'Subject="CN=q\\"";URI=spiffe://attacker';
    for (const joined of [`${prefix},${proxyElement}`, `${prefix}, ${proxyElement}`]) {
      expect(parseClientCertHeader(joined, 'envoy-xfcc')).toBeUndefined();
      expect(parseClientCertHeader(joined, 'auto')).toBeUndefined();
    }
    // The proxy's element alone still reads as the client's real certificate.
    expect(Buffer.from(parseClientCertHeader(proxyElement, 'envoy-xfcc')!.digest!).toString('hex')).toBe(
      other.hex,
    );
  });

  it("refuses a client's open quote that a quote in the proxy's element would close", () => {
    const { client, other } = pki;
    // Envoy writes URI and DNS subject alternative names as they are: the client's own certificate may
    // put a quote there, which would close a quote the client left open before the proxy's element.
    const proxyElement = `By=spiffe://cluster.local/ns/api/sa/gw;Hash=${other.hex};URI=spiffe://attacker/x"`;
    for (const prefix of [
      `Hash=${client.hex};X="`,
      `Hash=${client.hex};Subject="`,
      `Hash=${client.hex};Cert="`,
      `Cert="${encodeURIComponent(client.pem)}";Chain="`,
    ]) {
      for (const joined of [`${prefix},${proxyElement}`, `${prefix}, ${proxyElement}`]) {
        expect(parseClientCertHeader(joined, 'envoy-xfcc'), joined).toBeUndefined();
        expect(parseClientCertHeader(joined, 'auto'), joined).toBeUndefined();
      }
    }
  });

  it("reads Envoy's own elements: quoted Cert, Chain and Subject, escapes in the subject, bare URI and DNS", () => {
    const { client, ca } = pki;
    const cert = `Cert="${encodeURIComponent(client.pem)}"`;
    for (const element of [
      `By=spiffe://cluster.local/ns/api/sa/gw;Hash=${client.hex};Subject="CN=a\\,b,O=c\\;d,OU=\\"q\\"";URI=spiffe://x;DNS=a.example;DNS=b.example`,
      `Hash=${client.hex};${cert};Chain="${encodeURIComponent(client.pem + ca.pem)}";Subject=""`,
      `hash=${client.hex.toUpperCase()}; uri=`,
    ]) {
      expect(
        Buffer.from(parseClientCertHeader(element, 'envoy-xfcc')!.digest!).toString('hex'),
        element,
      ).toBe(client.hex);
    }
  });

  it('reports an XFCC Hash that disagrees with its Cert, for the caller to refuse', () => {
    const { client, other } = pki;
    const presented = parseClientCertHeader(`Hash=${other.hex};Cert="${encodeURIComponent(client.pem)}"`);
    expect(presented?.der).toBeDefined();
    expect(Buffer.from(presented!.digest!).toString('hex')).toBe(other.hex);
  });
});

describe('certificateThumbprint', () => {
  it('refuses what is not a certificate', async () => {
    await expect(certificateThumbprint('nope')).rejects.toThrow(TypeError);
    await expect(certificateThumbprint(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).rejects.toThrow(
      TypeError,
    );
  });
});
