// Reading a methodArn or routeArn: the parts it is cut into, and a cost linear in its length (up to the
// 2 048 characters read), whatever its path holds.
import { describe, expect, it } from 'vitest';
import { parseExecuteApiArn, policyResource } from '../src/request/method-arn.js';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123';

describe('parseExecuteApiArn', () => {
  it.each([
    ['/prod/GET/items/42', 'prod', 'GET', 'items/42'],
    ['/prod/GET', 'prod', 'GET', ''],
    ['/prod/GET/', 'prod', 'GET', ''],
    ['/prod/GET//items', 'prod', 'GET', '/items'],
    ['/prod/*/*', 'prod', '*', '*'],
    ['/$default/$default', '$default', '$default', ''],
    ['/prod/GET1', 'prod', 'GET', '1'],
    ['/prod/GET-items', 'prod', 'GET', '-items'],
    ['/st\nage/GET/items', 'st\nage', 'GET', 'items'],
    ['/prod/GET/a b\u00a0c', 'prod', 'GET', 'a b\u00a0c'],
  ])('reads %j', (tail, stage, method, path) => {
    expect(parseExecuteApiArn(PREFIX + tail)).toEqual({
      region: 'us-east-1',
      accountId: '123456789012',
      apiId: 'abcdef123',
      stage,
      method,
      path,
    });
  });

  it.each([
    '/prod/GET/items\n',
    '/prod/GET/\nitems',
    '/prod/GET\n',
    '/prod/GET/items\r',
    '/prod/GET/items\u2028',
    '/prod/GET/items\u2029',
    '/prod/1GET/items',
    '/prod//items',
    '/prod',
    '',
  ])('refuses %j: no method, or a line terminator in its path', (tail) => {
    expect(parseExecuteApiArn(PREFIX + tail)).toBeUndefined();
  });

  it('refuses an ARN longer than 2 048 characters', () => {
    const path = 'a'.repeat(2048);
    expect(parseExecuteApiArn(`${PREFIX}/prod/GET/${path}`.slice(0, 2048))).toBeDefined();
    expect(parseExecuteApiArn(`${PREFIX}/prod/GET/${path}`.slice(0, 2049))).toBeUndefined();
  });

  it('names the stage in a stage-wide policy resource', () => {
    expect(policyResource(`${PREFIX}/prod/GET/items`, 'stage')).toBe(`${PREFIX}/prod/*`);
  });
});

/** The least time per call over a few rounds, each called until it lasts 20 ms. */
function timePerCall(call: () => unknown): number {
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      call();
      calls++;
      elapsed = performance.now() - started;
    } while (elapsed < 20);
    least = Math.min(least, elapsed / calls);
  }
  return least;
}

describe('reading an ARN costs time linear in its length', () => {
  // A method then a path that cannot match (a line break): a backtracking `([A-Za-z*$]+)\/?(.*)$`
  // retried the path after every shorter method. At 64 and 2 048 characters, linear work takes up to 32
  // times as long, quadratic work 1 024 times: the bound is four times linear, for a loaded machine.
  it.each([
    ['a long method then a line break', '/prod/', 'A', '\n'],
    ['a long method, a slash, then a carriage return', '/prod/', 'G', '/\r'],
    ['a method of stars then a line separator', '/prod/', '*$', '\u2028'],
  ])('%s', (_, head, run, end) => {
    // `size` characters in all, the run cut to fit between the head and the end.
    const arnOf = (size: number) =>
      PREFIX + head + run.repeat(size).slice(0, size - PREFIX.length - head.length - end.length) + end;
    const [small, large] = [arnOf(64), arnOf(2048)];
    expect([small.length, large.length]).toEqual([64, 2048]);
    expect(parseExecuteApiArn(large)).toBeUndefined();
    const ratio = timePerCall(() => parseExecuteApiArn(large)) / timePerCall(() => parseExecuteApiArn(small));
    expect(ratio).toBeLessThan(128);
  });
});
