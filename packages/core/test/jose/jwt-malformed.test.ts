import { generateSigningKey, jwksOf, rawToken, type TestSigningKey } from '@rs/testkit';
import { base64url, CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  type FailureCode,
  jwtResolver,
  type ResourceServer,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectFailure,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let rs: ResourceServer;
let valid: string;

const enc = (text: string) => base64url.encode(text);
const claims = { iss: ISSUER, aud: AUDIENCE, sub: 's', iat: NOW_S, exp: NOW_S + 300 };

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  rs = createResourceServer({ resolver, clock: () => NOW_MS });
  valid = await mint(key);
});

/** Signs an arbitrary payload (bytes, not necessarily JSON) with the trusted key. */
function signRaw(payload: string | Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header })
    .sign(key.privateKey);
}

function cases(): [string, () => string | Promise<string>, FailureCode][] {
  const [h, p, s] = valid.split('.') as [string, string, string];
  return [
    ['one segment', () => h, 'token_malformed'],
    ['two segments', () => `${h}.${p}`, 'token_malformed'],
    ['four segments', () => `${h}.${p}.${s}.${s}`, 'token_malformed'],
    ['five segments (a JWE)', () => `${h}.${p}.${s}.${s}.${s}`, 'token_unsupported'],
    ['six segments', () => `${h}.${p}.${s}.${s}.${s}.${s}`, 'token_malformed'],
    ['empty header segment', () => `.${p}.${s}`, 'token_malformed'],
    ['header not base64url', () => `eyJh+GciOiJ/UzI1NiJ9.${p}.${s}`, 'token_malformed'],
    ['header base64url of non-JSON', () => `${enc('not json')}.${p}.${s}`, 'token_malformed'],
    ['header a JSON array', () => `${enc('[{"alg":"ES256"}]')}.${p}.${s}`, 'token_malformed'],
    ['header a JSON string', () => `${enc('"ES256"')}.${p}.${s}`, 'token_malformed'],
    ['header JSON null', () => `${enc('null')}.${p}.${s}`, 'token_malformed'],
    [
      'header not UTF-8',
      () => `${base64url.encode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.${p}.${s}`,
      'token_malformed',
    ],
    ['header without alg', () => rawToken({ kid: 'k1' }, claims), 'token_malformed'],
    ['header alg not a string', () => rawToken({ alg: ['ES256'], kid: 'k1' }, claims), 'token_malformed'],
    ['kid a number', () => rawToken({ alg: 'ES256', kid: 1 }, claims), 'token_malformed'],
    ['kid null', () => rawToken({ alg: 'ES256', kid: null }, claims), 'token_malformed'],
    ['kid an object', () => rawToken({ alg: 'ES256', kid: { id: 'k1' } }, claims), 'token_malformed'],
    ['typ not a string', () => rawToken({ alg: 'ES256', kid: 'k1', typ: 1 }, claims), 'token_malformed'],
    [
      'b64: false (RFC 7797)',
      () => rawToken({ alg: 'ES256', kid: 'k1', b64: false, crit: ['b64'] }, claims),
      'token_malformed',
    ],
    ['b64: true', () => rawToken({ alg: 'ES256', kid: 'k1', b64: true }, claims), 'token_malformed'],
    [
      'header over 4096 characters',
      () => rawToken({ alg: 'ES256', kid: 'k1', pad: 'x'.repeat(4096) }, claims),
      'token_malformed',
    ],
    ['signed payload not JSON', () => signRaw('not json'), 'token_malformed'],
    ['signed payload a JSON array', () => signRaw(JSON.stringify([claims])), 'token_malformed'],
    ['signed payload a JSON string', () => signRaw('"claims"'), 'token_malformed'],
    [
      'signed payload not UTF-8',
      () => signRaw(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      'token_malformed',
    ],
    ['signed empty payload', () => signRaw(''), 'token_malformed'],
    [
      'payload not base64url (refused before any key is used)',
      () => `${h}.eyJh+GciOiJ/UzI1NiJ9.${s}`,
      'token_malformed',
    ],
    ['signature not base64url', () => `${h}.${p}.ab+/`, 'token_malformed'],
    ['empty signature', () => `${h}.${p}.`, 'signature_invalid'],
    [
      'signature of another token',
      async () => `${h}.${p}.${(await mint(key)).split('.')[2]}`,
      'signature_invalid',
    ],
    [
      'payload swapped under a valid signature',
      async () => `${h}.${(await mint(key)).split('.')[1]}.${s}`,
      'signature_invalid',
    ],
    ['token over the default 16 384 characters', () => `${h}.${'A'.repeat(16_384)}.${s}`, 'token_too_large'],
  ];
}

describe('malformed tokens are refused as values, never thrown', () => {
  it('resolver: each case has its exact failure code', async () => {
    for (const [name, build, code] of cases()) {
      const token = await build();
      const outcome = await resolveAt(resolver, token);
      expect(outcome.ok, name).toBe(false);
      if (!outcome.ok) expect(outcome.failure.code, name).toBe(code);
    }
  });

  it('pipeline: each case is a 401 invalid_token with a challenge', async () => {
    for (const [name, build, code] of cases()) {
      const token = await build();
      const result = await rs.authenticate(bearerRequest(token));
      const rejection = expectRejected(result, code, 401);
      expect(rejection.wwwAuthenticate, name).toMatch(
        /^Bearer error="invalid_token", error_description="[^"]+"$/,
      );
      expect(rejection.body.error, name).toBe('invalid_token');
    }
  });

  it('the resolver survives hostile input that the extractor would already refuse', async () => {
    for (const token of [
      '',
      '.',
      '..',
      '...',
      '.....',
      'ey!!.e30.c2ln',
      '\u0000.\u0000.\u0000',
      'a'.repeat(20_000),
    ]) {
      const outcome = await resolveAt(resolver, token);
      expect(outcome.ok).toBe(false);
    }
  });
});

describe('token size limit', () => {
  it('refuses tokens longer than maxTokenLength with token_too_large, before decoding them', async () => {
    const small = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      maxTokenLength: valid.length,
    });
    expect((await resolveAt(small, valid)).ok).toBe(true);
    expectFailure(await resolveAt(small, `${valid}A`), 'token_too_large');
    expectFailure(await resolveAt(small, 'x'.repeat(valid.length + 1)), 'token_too_large');
  });

  it('accepts a token of exactly the default limit as far as size goes', async () => {
    const [h, p, s] = valid.split('.') as [string, string, string];
    const padded = `${h}.${p}.${s}`.padEnd(16_384, 'A');
    expect(padded).toHaveLength(16_384);
    // Not too large: it fails later, on its signature.
    expectFailure(await resolveAt(resolver, padded), 'signature_invalid');
  });
});
