import { describe, expect, it } from 'vitest';
import { MintUsageError, parseMintArgs } from '../src/mint-args.js';

describe('parseMintArgs', () => {
  it('reads the kind and space-separated, repeatable scopes', () => {
    expect(parseMintArgs(['--kind', 'signed', '--scope', 'read admin', '--scope', 'write'])).toEqual({
      kind: 'signed',
      scopes: ['read', 'admin', 'write'],
    });
  });

  it('mints a refresh token with --refresh, and takes a subject and a lifetime', () => {
    expect(
      parseMintArgs(['--kind', 'encrypted', '--refresh', '--subject', 'client', '--lifetime', '60']),
    ).toEqual({
      kind: 'encrypted',
      scopes: [],
      tokenName: 'refresh_token',
      subject: 'client',
      lifetimeSeconds: 60,
    });
  });

  it.each([
    [[]],
    [['--kind', 'opaque']],
    [['--kind', 'signed', '--lifetime', '-1']],
    [['--kind', 'signed', '--unknown']],
  ])('refuses %j', (args) => {
    expect(() => parseMintArgs(args)).toThrow(MintUsageError);
  });
});
