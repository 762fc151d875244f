// A shared secret given as text is taken as written: one read from a file with its line break is not the
// issuer's secret, and every token would be refused as badly signed with no word on why. sharedSecret
// refuses it at start-up, as sharedSecrets does; bytes are taken as they are.
import { describe, expect, it } from 'vitest';
import { RsConfigError, sharedSecret } from '../../src/index.js';

const SECRET = 'a-shared-secret-of-more-than-32-characters';

describe('sharedSecret given as text', () => {
  it.each([
    ['a trailing line break', `${SECRET}\n`],
    ['a trailing CRLF', `${SECRET}\r\n`],
    ['a leading space', ` ${SECRET}`],
    ['a tab inside', `${SECRET.slice(0, 10)}\t${SECRET.slice(10)}`],
  ])('is refused with %s, never repeating it', (_name, secret) => {
    let error: unknown;
    try {
      sharedSecret(secret);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RsConfigError);
    expect((error as RsConfigError).message).toContain('line break');
    expect((error as RsConfigError).message).not.toContain(SECRET.slice(0, 10));
  });

  it('keeps spaces inside, and bytes as they are', () => {
    expect(() => sharedSecret(`${SECRET.slice(0, 10)} ${SECRET.slice(10)}`)).not.toThrow();
    expect(() => sharedSecret(new TextEncoder().encode(`${SECRET}\n`))).not.toThrow();
  });
});
