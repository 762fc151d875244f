// A shared secret given as text (`envSecretStore({ format: 'plain' })`, a string in `sharedSecrets`) with a
// line break kept from its file, or white space at either end, is another secret than the issuer signs
// with: every token would be refused as badly signed, with no word on why. It is refused when the secret
// is read (at start-up, by the resolver naming its secret ID), and never repeated in the message.
import { describe, expect, it } from 'vitest';
import { envSecretStore, jwtResolver, secretsProvider, sharedSecrets } from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

const SECRET = 'plain-text-shared-secret-of-forty-bytes!';

const resolverWith = (store: ReturnType<typeof sharedSecrets>) => () =>
  jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    secrets: secretsProvider({ stores: [store] }),
    verificationSecretId: 'hmac',
  });

describe.each([
  ['a trailing line break', `${SECRET}\n`],
  ['a trailing CRLF', `${SECRET}\r\n`],
  ['a leading space', ` ${SECRET}`],
  ['a trailing tab', `${SECRET}\t`],
  ['a NUL inside', `${SECRET.slice(0, 10)}\0${SECRET.slice(10)}`],
])('a text secret with %s', (_name, value) => {
  it('is refused from envSecretStore({ format: "plain" }), naming the variable and not the secret', () => {
    const error = expectConfigError(
      resolverWith(envSecretStore({ env: { HMAC: value }, format: 'plain' })),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('environment variable HMAC');
    expect(error.message).toContain('a line break read from a file with it?');
    expect(error.message).toContain("or base64-encoded with format: 'base64' if it really holds them");
    expect(error.message).not.toContain(SECRET.slice(0, 12));
  });

  it('is refused from sharedSecrets when built, naming the secret ID and not the secret', () => {
    const error = expectConfigError(() => sharedSecrets({ hmac: value }), 'sharedSecrets');
    expect(error.message).toContain('sharedSecrets "hmac"');
    expect(error.message).toContain('a line break read from a file with it?');
    expect(error.message).toContain('or as bytes (a Uint8Array) if it really holds them');
    expect(error.message).not.toContain(SECRET.slice(0, 12));
  });
});

describe('text secrets as written', () => {
  it('keeps spaces inside, and leaves bytes and base64 values alone', () => {
    const spaced = 'a shared secret with spaces inside of it';
    expect(resolverWith(envSecretStore({ env: { HMAC: spaced }, format: 'plain' }))).not.toThrow();
    expect(resolverWith(sharedSecrets({ hmac: spaced }))).not.toThrow();
    // Base64 skips white space: the line break of a file does not change the secret.
    const encoded = `${Buffer.from(SECRET).toString('base64')}\n`;
    expect(resolverWith(envSecretStore({ env: { HMAC: encoded } }))).not.toThrow();
    const bytes = new TextEncoder().encode(`${SECRET}\n`);
    expect(resolverWith(sharedSecrets({ hmac: bytes }))).not.toThrow();
  });
});
