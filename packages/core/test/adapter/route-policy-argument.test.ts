// An adapter's policy-taking method handed to the framework as middleware itself (`app.use(rs.protect)`)
// is called with the framework's arguments: named as such, not as a policy that is no plain object.
import { describe, expect, it } from 'vitest';
import { routePolicyArgument } from '../../src/adapter/index.js';
import { RsConfigError } from '../../src/index.js';

const next = (): void => undefined;

describe('routePolicyArgument', () => {
  it.each<[string, string, unknown[], string]>([
    ['Express', 'protect(policy)', [{ method: 'GET' }, {}, next], 'app.use(rs.protect())'],
    ['Hono', 'protect.policy', [{ req: {} }, next], 'app.use(rs.protect())'],
    ['Express, optional', 'protectOptional(policy)', [{}, {}, next], 'app.use(rs.protectOptional())'],
  ])('names the middleware mistake (%s)', (_framework, option, given, fix) => {
    let error: unknown;
    try {
      routePolicyArgument(given as never, option);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RsConfigError);
    expect((error as RsConfigError).option).toBe(option);
    expect((error as RsConfigError).message).toContain(fix);
  });

  it('returns the one policy given, or none', () => {
    const policy = { scopes: ['read'] };
    expect(routePolicyArgument([policy], 'protect(policy)')).toBe(policy);
    expect(routePolicyArgument([], 'protect(policy)')).toBeUndefined();
  });
});
