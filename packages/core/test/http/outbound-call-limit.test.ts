import { describe, expect, it } from 'vitest';
import { outboundCallLimit } from '../../src/http/outbound-call-limit.js';

describe('outboundCallLimit', () => {
  it('runs up to max calls at once, refuses the next without calling it, and frees a slot when one settles', async () => {
    const calls = outboundCallLimit(2);
    const finish: (() => void)[] = [];
    const held = () => new Promise<string>((resolve) => finish.push(() => resolve('answered')));
    const first = calls.tryRun(held);
    const second = calls.tryRun(held);
    let called = false;
    const third = calls.tryRun(async () => {
      called = true;
      return 'answered';
    });
    expect(third).toBeUndefined();
    expect(called).toBe(false);
    expect(calls.underWay).toBe(2);

    finish[0]!();
    await expect(first).resolves.toBe('answered');
    expect(calls.underWay).toBe(1);
    const fourth = calls.tryRun(async () => 'answered');
    expect(fourth).toBeDefined();
    await fourth;
    finish[1]!();
    await second;
    expect(calls.underWay).toBe(0);
  });

  it('frees the slot of a call that rejects, or throws before its first await', async () => {
    const calls = outboundCallLimit(1);
    await expect(calls.tryRun(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(calls.underWay).toBe(0);
    await expect(
      calls.tryRun(() => {
        throw new Error('thrown at once');
      }),
    ).rejects.toThrow('thrown at once');
    expect(calls.underWay).toBe(0);
    await expect(calls.tryRun(async () => 'answered')).resolves.toBe('answered');
  });
});
