import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchHttpClient, HttpClientError, type HttpRequest } from '../../src/index.js';

// A `fetch` handed to fetchHttpClient (to instrument or proxy the runtime's) may drop the `signal` it is
// given, or answer with a body that never ends: the request must still end at its own timeout.

const request: HttpRequest = {
  method: 'GET',
  url: 'https://as.example.com/jwks',
  timeoutMs: 1_000,
  maxResponseBytes: 1_024,
};

/** A body stream that sends its first bytes and then nothing, ever, and says when it is cancelled. */
function stalledBody(): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"keys":['));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** Settles `promise` into what it resolved or rejected with, so that a pending one can be told apart. */
function outcomeOf(promise: Promise<unknown>): { settled: () => unknown } {
  let outcome: unknown = 'pending';
  promise.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  return { settled: () => outcome };
}

describe('fetchHttpClient over a fetch that ignores its signal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects with ERR_RS_HTTP_TIMEOUT at timeoutMs while the fetch never answers', async () => {
    const client = fetchHttpClient(() => new Promise<Response>(() => undefined));
    const sent = outcomeOf(client.send(request));
    await vi.advanceTimersByTimeAsync(request.timeoutMs - 1);
    expect(sent.settled()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const { error } = sent.settled() as { error: unknown };
    expect(error).toBeInstanceOf(HttpClientError);
    expect((error as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with ERR_RS_HTTP_TIMEOUT at timeoutMs while the body never ends', async () => {
    const body = stalledBody();
    const client = fetchHttpClient(async () => new Response(body.stream, { status: 200 }));
    const sent = outcomeOf(client.send(request));
    await vi.advanceTimersByTimeAsync(request.timeoutMs);
    const { error } = sent.settled() as { error: unknown };
    expect((error as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
  });

  it('cancels the body of a response that arrives after the exchange was given up', async () => {
    const body = stalledBody();
    let answer: (response: Response) => void = () => undefined;
    const client = fetchHttpClient(
      () =>
        new Promise<Response>((resolve) => {
          answer = resolve;
        }),
    );
    const sent = outcomeOf(client.send(request));
    await vi.advanceTimersByTimeAsync(request.timeoutMs);
    expect((sent.settled() as { error: HttpClientError }).error.code).toBe('ERR_RS_HTTP_TIMEOUT');
    answer(new Response(body.stream, { status: 200 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(body.cancelled()).toBe(true);
  });

  it("rejects with the reason of the caller's signal as soon as it aborts", async () => {
    const client = fetchHttpClient(() => new Promise<Response>(() => undefined));
    const caller = new AbortController();
    const sent = outcomeOf(client.send({ ...request, signal: caller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error('poller stopped');
    caller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.settled()).toEqual({ error: reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still answers at once when the fetch does answer', async () => {
    const client = fetchHttpClient(async () => new Response('{"keys":[]}', { status: 200 }));
    const response = await client.send(request);
    expect(new TextDecoder().decode(response.body)).toBe('{"keys":[]}');
    expect(vi.getTimerCount()).toBe(0);
  });
});
