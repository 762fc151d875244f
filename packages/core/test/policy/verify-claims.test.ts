import { describe, expect, it } from 'vitest';
import {
  type ClaimCheck,
  claimArrayContains,
  claimAt,
  claimBooleanEquals,
  claimIntegerEquals,
  claimStringMatches,
  tokenInfoFromClaims,
  verifyClaims,
} from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

function passes(check: ClaimCheck, value: unknown, claim = 'c'): boolean {
  const claims = { [claim]: value };
  return check.test(claims, tokenInfoFromClaims(claims, 'introspection'));
}

// The table of NGINX's "Verifying Introspected Token Claim Values", row by row.
describe('NGINX verifyClaims semantics', () => {
  it.each([
    ['account', 'account', true],
    ['account', 'monitor', false],
    ['account', 'Account', false],
    ['account', ['account'], true],
    ['account', ['account', 'monitor'], true],
    ['account', ['report', 'monitor'], false],
  ])('STRING %j against %j: %s', (expected, actual, result) => {
    expect(passes(claimStringMatches('c', expected), actual)).toBe(result);
  });

  it.each([
    ['openid profile email', true],
    ['openid email profile', true],
    ['openid profile email account', true],
    ['openid+email+profile', false],
    ['openid profile', false],
    [['openid', 'profile', 'email'], false],
  ])('delimited STRING "openid profile email" against %j: %s', (actual, result) => {
    expect(passes(claimStringMatches('c', 'openid profile email', { delimiter: 'SPACE' }), actual)).toBe(
      result,
    );
  });

  it.each([
    [42, true],
    ['42', true],
    [43, false],
    ['42abc', false],
    [42.5, false],
    [true, false],
  ])('INTEGER 42 against %j: %s', (actual, result) => {
    expect(passes(claimIntegerEquals('c', 42), actual)).toBe(result);
  });

  it.each([
    [9007199254740991, '9007199254740991', true],
    [-9007199254740991, '-9007199254740991', true],
    [1000000000000000, '1000000000000000', true],
    // Past the safe range a string rounds to a number it does not spell.
    [9007199254740991, '9007199254740992', false],
    [9007199254740991, '90071992547409910', false],
  ])('INTEGER %d against the string %j: %s, whatever its number of digits', (expected, actual, result) => {
    expect(passes(claimIntegerEquals('c', expected), actual)).toBe(result);
  });

  it.each([
    [true, true],
    ['TRUE', true],
    ['true', true],
    [false, false],
    ['yes', false],
    [1, false],
  ])('BOOLEAN true against %j: %s', (actual, result) => {
    expect(passes(claimBooleanEquals('c', true), actual)).toBe(result);
  });

  it.each([
    [['account'], ['account'], true],
    [['account'], 'account', true],
    [['account'], ['monitor'], false],
    [['account'], ['account', 'monitor'], true],
    [['account'], ['report', 'monitor'], false],
    [['account', 'monitor'], ['account', 'monitor'], true],
    [['account', 'monitor'], ['monitor', 'account'], true],
    [['account', 'monitor'], ['account', 'monitor', 'report'], true],
    [['account', 'monitor'], ['account'], false],
  ])('ARRAY %j against %j: %s', (expected, actual, result) => {
    expect(passes(claimArrayContains('c', expected), actual)).toBe(result);
  });

  it('reads dotted paths into nested claims, an exact claim name first', () => {
    const claims = {
      resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
      'https://example.com/roles': ['admin'],
      'a.b': 'flat',
      a: { b: 'nested' },
    };
    expect(claimAt(claims, 'resource_access.account.roles')).toEqual(['manage-account', 'view-profile']);
    expect(claimAt(claims, 'https://example.com/roles')).toEqual(['admin']);
    expect(claimAt(claims, 'a.b')).toBe('flat');
    expect(claimAt(claims, ['a', 'b'])).toBe('nested');
    expect(claimAt(claims, 'resource_access.account.missing')).toBeUndefined();
    expect(claimAt(claims, 'resource_access.constructor')).toBeUndefined();
  });

  it('builds checks from a verifyClaims list as NGINX writes it', () => {
    const checks = verifyClaims([
      { claim: 'aud', type: 'STRING', value: 'account' },
      { claim: 'scope', type: 'STRING', value: 'openid profile email', delimiter: 'SPACE' },
      { claim: 'acr', type: 'INTEGER', value: 1 },
      { claim: 'email_verified', type: 'BOOLEAN', value: true },
      { claim: 'resource_access.account.roles', type: 'ARRAY', value: ['manage-account', 'view-profile'] },
    ]);
    const claims = {
      aud: ['account', 'other'],
      scope: 'email openid profile',
      acr: '1',
      email_verified: 'TRUE',
      resource_access: { account: { roles: ['view-profile', 'manage-account', 'x'] } },
    };
    const info = tokenInfoFromClaims(claims, 'introspection');
    expect(checks.map((check) => check.test(claims, info))).toEqual([true, true, true, true, true]);
    expect(checks[4]!.description).toBe(
      'claim "resource_access.account.roles" must match the expected value',
    );
    const weaker = { ...claims, acr: 0 };
    expect(checks[2]!.test(weaker, tokenInfoFromClaims(weaker, 'introspection'))).toBe(false);
  });

  it.each([
    [[{ claim: '', type: 'STRING', value: 'x' }], 'verifyClaims[0].claim'],
    [[{ claim: 'a', type: 'FLOAT', value: 1 }], 'verifyClaims[0].type'],
    [[{ claim: 'a', type: 'INTEGER', value: '1' }], 'verifyClaims[0].value'],
    [[{ claim: 'a', type: 'ARRAY', value: [] }], 'verifyClaims[0].value'],
    [[{ claim: 'a', type: 'BOOLEAN', value: true, delimiter: 'SPACE' }], 'verifyClaims[0].delimiter'],
    [[{ claim: 'a', type: 'STRING', value: 'x', delimiter: 'TAB!' }], 'verifyClaims[0].delimiter'],
  ])('refuses %j at start-up', (specs, option) => {
    expectConfigError(() => verifyClaims(specs as never), option);
  });
});
