import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestDeadline } from '../../src/http/request-deadline.js';

describe('requestDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError when the time is up, not before', () => {
    const deadline = requestDeadline(200);
    vi.advanceTimersByTime(199);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('never aborts once cleared, and leaves no timer behind', () => {
    const deadline = requestDeadline(200);
    deadline.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('aborts with the reason of the signal it follows, at once when that one was aborted already', () => {
    const closing = new AbortController();
    const deadline = requestDeadline(200, closing.signal);
    const reason = new Error('the HTTP client was closed');
    closing.abort(reason);
    expect(deadline.signal.reason).toBe(reason);

    const early = requestDeadline(200, closing.signal);
    expect(early.signal.aborted).toBe(true);
    expect(early.signal.reason).toBe(reason);
    deadline.clear();
    early.clear();
  });

  it('stops following the other signal once cleared', () => {
    const closing = new AbortController();
    const deadline = requestDeadline(200, closing.signal);
    deadline.clear();
    closing.abort(new Error('closed'));
    expect(deadline.signal.aborted).toBe(false);
  });

  it('follows several signals, the first to abort giving the reason, and passes over those left out', () => {
    const closing = new AbortController();
    const caller = new AbortController();
    const deadline = requestDeadline(200, closing.signal, undefined, caller.signal);
    const reason = new Error('stopped by the caller');
    caller.abort(reason);
    closing.abort(new Error('closed'));
    expect(deadline.signal.reason).toBe(reason);
    deadline.clear();

    const late = requestDeadline(200, closing.signal, caller.signal);
    expect(late.signal.reason).toBe(closing.signal.reason);
    late.clear();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops following every signal once cleared', () => {
    const closing = new AbortController();
    const caller = new AbortController();
    const deadline = requestDeadline(200, closing.signal, caller.signal);
    deadline.clear();
    caller.abort(new Error('stopped'));
    closing.abort(new Error('closed'));
    expect(deadline.signal.aborted).toBe(false);
  });
});
