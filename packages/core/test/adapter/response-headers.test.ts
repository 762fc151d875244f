import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addResponseHeaders } from '../../src/adapter/index.js';

describe('addResponseHeaders', () => {
  it('returns the same response when there is nothing to add', () => {
    const response = new Response('ok');
    expect(addResponseHeaders(response, {})).toBe(response);
  });

  it('extends a Cache-Control the handler set instead of replacing it, once', async () => {
    const response = new Response('ok', { headers: { 'cache-control': 'no-store' } });
    const answered = addResponseHeaders(response, { 'cache-control': 'private' });
    expect(answered.headers.get('cache-control')).toBe('no-store, private');
    expect(await answered.text()).toBe('ok');
    const already = new Response(null, { headers: { 'cache-control': 'Private, max-age=60' } });
    expect(addResponseHeaders(already, { 'cache-control': 'private' }).headers.get('cache-control')).toBe(
      'Private, max-age=60',
    );
  });

  it("replaces a DPoP-Nonce the handler set: a client can send back only one, and it must be core's", () => {
    const response = new Response(null, { status: 204, headers: { 'DPoP-Nonce': 'handler-nonce' } });
    const answered = addResponseHeaders(response, { 'dpop-nonce': 'core-nonce' });
    expect(answered.headers.get('dpop-nonce')).toBe('core-nonce');
  });

  it('leaves a response the handler shares between requests as it was: each answer gets its own copy', () => {
    const shared = new Response(null, { status: 204, headers: { vary: 'origin' } });
    for (let request = 0; request < 3; request++) {
      const answered = addResponseHeaders(shared, {
        'cache-control': 'private',
        'dpop-nonce': `n${request}`,
      });
      expect(answered.status).toBe(204);
      expect(answered.headers.get('cache-control')).toBe('private');
      expect(answered.headers.get('dpop-nonce')).toBe(`n${request}`);
      expect(answered.headers.get('vary')).toBe('origin');
    }
    expect([...shared.headers]).toEqual([['vary', 'origin']]);
  });

  it('copies a response whose headers are immutable, keeping its status, headers and body', async () => {
    const upstream = createServer((_request, response) => {
      response.writeHead(201, { 'cache-control': 'no-store', 'x-upstream': '1' }).end('from upstream');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const fetched = await fetch(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`);
      expect(() => fetched.headers.append('x', '1')).toThrow(TypeError);
      const answered = addResponseHeaders(fetched, { 'cache-control': 'private' });
      expect(answered).not.toBe(fetched);
      expect(answered.status).toBe(201);
      expect(answered.headers.get('x-upstream')).toBe('1');
      expect(answered.headers.get('cache-control')).toBe('no-store, private');
      expect(await answered.text()).toBe('from upstream');
    } finally {
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('returns a network error as it is: it has no headers to send, and a copy of status 0 would throw', () => {
    const networkError = Response.error();
    const answered = addResponseHeaders(networkError, { 'cache-control': 'private' });
    expect(answered).toBe(networkError);
    expect(answered.type).toBe('error');
  });
});
