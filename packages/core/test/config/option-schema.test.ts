import { describe, expect, it } from 'vitest';
import { nearestName } from '../../src/config/option-names.js';
import {
  arrayOf,
  boolean,
  checkOptions,
  either,
  func,
  integerBetween,
  nonEmptyString,
  nonNegativeNumber,
  type OptionSchema,
  objectWith,
  oneOf,
  positiveInteger,
  positiveNumber,
  recordOf,
  shape,
  stringList,
  stringOrStrings,
} from '../../src/config/option-schema.js';
import { expectConfigError } from '../helpers.js';

interface Inner {
  readonly name?: string;
  readonly limit?: number;
}
interface Example {
  readonly audience?: string | readonly string[];
  readonly timeout?: number;
  readonly skew?: number;
  readonly count?: number;
  readonly retries?: number;
  readonly mode?: 'a' | 'b';
  readonly enabled?: boolean;
  readonly onError?: () => void;
  readonly names?: readonly string[];
  readonly tags?: readonly string[];
  readonly inner?: Inner;
  readonly byId?: Readonly<Record<string, string>>;
  readonly source?: { keysFor(): void };
  readonly flag?: boolean | Inner;
}

const INNER: OptionSchema<Inner> = { name: nonEmptyString, limit: positiveNumber };
const EXAMPLE: OptionSchema<Example> = {
  audience: stringOrStrings,
  timeout: positiveNumber,
  skew: nonNegativeNumber,
  count: positiveInteger,
  retries: integerBetween(0, 5),
  mode: oneOf('a', 'b'),
  enabled: boolean,
  onError: func,
  names: stringList,
  tags: arrayOf(nonEmptyString),
  inner: shape(INNER),
  byId: recordOf(nonEmptyString),
  source: objectWith('a key source', 'keysFor'),
  flag: either(boolean, shape(INNER)),
};

const check = (options: unknown) => () => checkOptions(options, EXAMPLE, 'example');

describe('checkOptions: unknown keys', () => {
  it('refuses a misspelled key with its full path and the nearest known name', () => {
    const error = expectConfigError(check({ audiences: 'api' }), 'example.audiences');
    expect(error.message).toBe(
      '@rs: invalid option "example.audiences": unknown option; did you mean "audience"?',
    );
  });

  it('suggests across case and small slips, and nothing for a name far from every option', () => {
    expect(expectConfigError(check({ TimeOut: 5 }), 'example.TimeOut').message).toContain('"timeout"');
    expect(expectConfigError(check({ retires: 1 }), 'example.retires').message).toContain('"retries"');
    const far = expectConfigError(check({ somethingElse: 1 }), 'example.somethingElse');
    expect(far.message).toMatch(/unknown option$/);
  });

  it('refuses unknown keys in nested objects, naming the nested path', () => {
    const error = expectConfigError(check({ inner: { nam: 'x' } }), 'example.inner.nam');
    expect(error.message).toContain('did you mean "name"?');
    expectConfigError(check({ flag: { limitt: 3 } }), 'example.flag.limitt');
  });

  it('refuses inherited and prototype keys as options: only own keys of a plain object count', () => {
    expectConfigError(check({ constructor: 1 }), 'example.constructor');
    expectConfigError(check({ __proto__: { timeout: 1 }, hasOwnProperty: 1 }), 'example');
  });

  it('ignores keys set to undefined, as an absent option', () => {
    expect(check({ timeout: undefined, audience: undefined })).not.toThrow();
  });
});

describe('checkOptions: plain objects only, as from JSON or YAML', () => {
  it.each([
    ['an array', []],
    ['a Map', new Map()],
    ['a Date', new Date()],
    ['a class instance', new (class Options {})()],
    ['null', null],
    ['a string', 'timeout=5'],
  ])('refuses %s where options are expected', (_name, value) => {
    expect(expectConfigError(check(value), 'example').message).toContain('must be a plain object');
  });

  it('accepts parsed JSON and null-prototype objects', () => {
    const parsed = JSON.parse('{"audience":["a","b"],"timeout":5,"inner":{"name":"n"},"byId":{"x":"y"}}');
    expect(check(parsed)).not.toThrow();
    expect(check(Object.assign(Object.create(null), { timeout: 1 }))).not.toThrow();
    expect(check(Object.freeze({ enabled: false }))).not.toThrow();
  });

  it('refuses a non-plain nested object', () => {
    expectConfigError(check({ inner: new Map() }), 'example.inner');
    expectConfigError(check({ byId: ['x'] }), 'example.byId');
  });
});

describe('checkOptions: types and ranges', () => {
  it.each([
    ['timeout', 0],
    ['timeout', -1],
    ['timeout', Number.NaN],
    ['timeout', Number.POSITIVE_INFINITY],
    ['timeout', '5000'],
    ['skew', -0.5],
    ['count', 1.5],
    ['count', 0],
    ['retries', 6],
    ['retries', -1],
    ['mode', 'c'],
    ['enabled', 'true'],
    ['enabled', 1],
    ['onError', 'console.error'],
    ['names', []],
    ['names', ['a', '']],
    ['names', 'a'],
    ['tags', 'a'],
    ['audience', ''],
    ['audience', []],
    ['audience', ['api', 7]],
    ['source', {}],
    ['flag', 'yes'],
  ])('refuses %s = %o', (key, value) => {
    expectConfigError(check({ [key]: value }), `example.${key}`);
  });

  it('names the entry of an array or a record that is wrong', () => {
    expectConfigError(check({ tags: ['a', ''] }), 'example.tags[1]');
    expectConfigError(check({ byId: { good: 'x', bad: '' } }), 'example.byId["bad"]');
    expectConfigError(check({ inner: { limit: -1 } }), 'example.inner.limit');
  });

  it('says what a value must be', () => {
    expect(expectConfigError(check({ mode: 'c' }), 'example.mode').message).toContain(
      'must be one of "a", "b"',
    );
    expect(expectConfigError(check({ flag: 'yes' }), 'example.flag').message).toContain(
      'must be true or false or an object',
    );
  });

  it('accepts every valid value', () => {
    expect(
      check({
        audience: ['a', 'b'],
        timeout: 0.5,
        skew: 0,
        count: 3,
        retries: 0,
        mode: 'b',
        enabled: false,
        onError: () => undefined,
        names: ['x'],
        tags: [],
        inner: { name: 'n', limit: 1 },
        byId: {},
        source: { keysFor() {} },
        flag: true,
      }),
    ).not.toThrow();
    expect(check({ flag: { limit: 2 } })).not.toThrow();
  });
});

describe('nearestName', () => {
  it('picks the closest known name within a slip, or none', () => {
    expect(nearestName('trustedProxy', ['name', 'format', 'trustedProxies', 'maxLength'])).toBe(
      'trustedProxies',
    );
    expect(nearestName('requireSenderConstrainted', ['requireSenderConstrained', 'realm'])).toBe(
      'requireSenderConstrained',
    );
    expect(nearestName('scope', ['scopes', 'claims'])).toBe('scopes');
    expect(nearestName('zzz', ['scopes', 'claims'])).toBeUndefined();
  });
});
