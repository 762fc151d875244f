import { generateSigningKey, jwksOf } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { LARGEST_FORM_BODY_LIMIT, SMALLEST_FORM_BODY_LIMIT } from '../../src/adapter/form-body.js';
import {
  DEFAULT_MAX_FORM_BODY_BYTES,
  type FormReading,
  formBodyWanted,
  formFromText,
  formReading,
  formRecord,
  parsedFormBody,
} from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

const FORM = 'application/x-www-form-urlencoded';
const reading: FormReading = { enabled: true, maxBytes: 64 };

let headerOnly: ResourceServer;
let formTokens: ResourceServer;

beforeAll(async () => {
  const key = await generateSigningKey('ES256', 'k1');
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  headerOnly = createResourceServer({ resolver });
  formTokens = createResourceServer({ resolver, tokenLocations: { formBody: true } });
});

describe('formReading', () => {
  it('reads bodies only when the resource server takes form-body tokens, 64 KiB at most by default', () => {
    expect(formReading(headerOnly, undefined)).toEqual({
      enabled: false,
      maxBytes: DEFAULT_MAX_FORM_BODY_BYTES,
    });
    expect(formReading(formTokens, 14)).toEqual({ enabled: true, maxBytes: 14 });
    expect(DEFAULT_MAX_FORM_BODY_BYTES).toBe(65_536);
  });

  it('refuses a limit that is not a whole number of bytes from 14 to 16 MiB, naming the option', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1024' as unknown as number]) {
      expectConfigError(() => formReading(formTokens, bad), 'maxFormBodyBytes');
    }
    // 0 refused every form POST; 1e12 and 9e15 let a client make each request buffer that much.
    for (const bad of [0, 13, 16 * 1024 * 1024 + 1, 1e12, 9e15]) {
      const error = expectConfigError(() => formReading(formTokens, bad), 'maxFormBodyBytes');
      expect(error.problem).toBe('must be a whole number of bytes from 14 to 16777216');
    }
    expect(formReading(formTokens, 16 * 1024 * 1024).maxBytes).toBe(16 * 1024 * 1024);
    expect([SMALLEST_FORM_BODY_LIMIT, LARGEST_FORM_BODY_LIMIT]).toEqual([14, 16_777_216]);
    expectConfigError(
      () => formReading(formTokens, -1, 'lambda.maxFormBodyBytes'),
      'lambda.maxFormBodyBytes',
    );
  });
});

describe('formBodyWanted', () => {
  it('wants a form-urlencoded body of a method that has one, when form tokens are on', () => {
    expect(formBodyWanted(reading, 'POST', FORM)).toBe(true);
    expect(formBodyWanted(reading, 'PUT', `${FORM}; charset=utf-8`)).toBe(true);
    expect(formBodyWanted(reading, 'PATCH', FORM)).toBe(true);
  });

  it('wants nothing otherwise', () => {
    expect(formBodyWanted({ enabled: false, maxBytes: 64 }, 'POST', FORM)).toBe(false);
    expect(formBodyWanted(reading, 'GET', FORM)).toBe(false);
    expect(formBodyWanted(reading, 'HEAD', FORM)).toBe(false);
    expect(formBodyWanted(reading, 'DELETE', FORM)).toBe(false);
    expect(formBodyWanted(reading, 'OPTIONS', FORM)).toBe(false);
    expect(formBodyWanted(reading, 'POST', 'application/json')).toBe(false);
    expect(formBodyWanted(reading, 'POST', [FORM, FORM])).toBe(false);
    expect(formBodyWanted(reading, 'POST', undefined)).toBe(false);
  });
});

describe('formFromText and formRecord', () => {
  it('keeps every value of a repeated key, so a repeated access_token is seen', () => {
    expect({ ...formFromText('access_token=a&x=1&access_token=b', 64).form }).toEqual({
      access_token: ['a', 'b'],
      x: '1',
    });
  });

  it('keeps keys named like Object.prototype members as plain entries', () => {
    const form = formRecord(new URLSearchParams('__proto__=a&constructor=b'));
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toBe('a');
    expect(form.constructor).toBe('b');
  });

  it('does not parse a body longer than the limit, and says it is too large rather than empty', () => {
    expect(formFromText(`access_token=${'a'.repeat(51)}`, 64).form).toBeDefined();
    expect(formFromText(`access_token=${'a'.repeat(52)}`, 64)).toEqual({ formUnexamined: 'too-large' });
    // Measured in bytes, as streamed bodies are: 20 euro signs are 60 bytes of UTF-8, 20 characters.
    expect(formFromText(`x=${'€'.repeat(20)}`, 62).form).toBeDefined();
    expect(formFromText(`x=${'€'.repeat(20)}`, 61)).toEqual({ formUnexamined: 'too-large' });
    expect(formFromText(`x=${'😀'.repeat(10)}`, 41)).toEqual({ formUnexamined: 'too-large' });
  });
});

describe('parsedFormBody', () => {
  it('passes an object a framework parsed, and nothing else', () => {
    const parsed = { access_token: 'abc' };
    expect(parsedFormBody(parsed)).toBe(parsed);
    expect(parsedFormBody('access_token=abc')).toBeUndefined();
    expect(parsedFormBody(null)).toBeUndefined();
    expect(parsedFormBody(undefined)).toBeUndefined();
    // Bytes a raw-body parser left hold their parameters unparsed: not a record of them.
    expect(parsedFormBody(Buffer.from('access_token=abc'))).toBeUndefined();
    expect(parsedFormBody(new TextEncoder().encode('access_token=abc'))).toBeUndefined();
    expect(parsedFormBody(new TextEncoder().encode('access_token=abc').buffer)).toBeUndefined();
  });
});
