import { hexBytes } from '../encoding/hex.js';

/**
 * The encodings of the Ed25519 points of small order (RFC 8032 §5.1.2: the y coordinate, little-endian,
 * its top bit the sign of x), as libsodium lists them: the identity (y = 1), the point of order 2
 * (y = p − 1), the two of order 4 (y = 0) and the four of order 8, and y = 0 and y = 1 spelled with
 * y ≥ p, which OpenSSL reads as well. The sign bit is left out of the comparison: every one of them is
 * read with either sign.
 */
const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexBytes);

/**
 * Whether a 32-byte Ed25519 public key is a point of small order (the identity, or a point of order 2,
 * 4 or 8). With such a key A, `[k]A` takes at most 8 values whatever the message, so the signature
 * R = identity, S = 0 verifies for every message when A is the identity and for about one message in
 * eight otherwise: anyone who reads the key forges tokens, as with an RSA key whose exponent is 1.
 * OpenSSL (and so Node's `crypto.verify` and WebCrypto) verifies with such a key all the same; an
 * all-zero placeholder `x` is one of them.
 */
export function isSmallOrderEd25519Key(key: Uint8Array): boolean {
  if (key.byteLength !== 32) return false;
  return SMALL_ORDER_ENCODINGS.some((encoding) => {
    for (let i = 0; i < 31; i++) if (key[i] !== encoding[i]) return false;
    return (key[31]! & 0x7f) === encoding[31];
  });
}
