// A PEM file is text (RFC 7468), and Windows writes text files in UTF-16 with a byte order mark:
// PowerShell 5's `openssl … > key.pem`, `Out-File`. The JWK set and directory stores read such a file as
// the mark says; the PEM store read it as UTF-8 and found no PEM block in it ("holds no PEM private key").
// It now reads it as the JWK set store does: UTF-16 by its mark, UTF-8 otherwise, without the mark.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

const EC_KEY = readFileSync(fixture('ec-p256.sec1.pem'), 'utf8');
const RSA_PUBLIC = readFileSync(fixture('rsa-signing.pub.pem'), 'utf8');

/** The JWK a PEM store reads from a file holding `bytes`. */
function jwkOf(bytes: Uint8Array) {
  const directory = tempDirectory({ 'key.pem': bytes });
  return pemSecretStore({ secrets: { id: `${directory}/key.pem` } }).keys!('id')![0]!.jwk;
}

function utf16le(text: string): Uint8Array {
  return Buffer.concat([Uint8Array.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]);
}

function utf16be(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf16le');
  bytes.swap16();
  return Buffer.concat([Uint8Array.of(0xfe, 0xff), bytes]);
}

function utf8(text: string, byteOrderMark = false): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  return byteOrderMark ? Buffer.concat([Uint8Array.of(0xef, 0xbb, 0xbf), bytes]) : bytes;
}

describe('a PEM file in the text encodings editors and shells write', () => {
  it.each([
    ['a private key', EC_KEY],
    ['a public key', RSA_PUBLIC],
  ])('reads %s from UTF-16 with a byte order mark, as from UTF-8', (_name, pem) => {
    const expected = jwkOf(utf8(pem));
    const crlf = pem.replace(/\n/g, '\r\n');
    expect(jwkOf(utf16le(crlf))).toEqual(expected);
    expect(jwkOf(utf16be(crlf))).toEqual(expected);
    expect(jwkOf(utf16le(pem))).toEqual(expected);
    expect(jwkOf(utf8(crlf, true))).toEqual(expected);
  });
});
