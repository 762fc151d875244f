import { describe, expect, it } from 'vitest';
import { type FormReading, fetchRsRequest, publicBaseUrl, requestForm } from '../../src/adapter/index.js';

const FORM = 'application/x-www-form-urlencoded';
const reading: FormReading = { enabled: true, maxBytes: 64 };
const noForms: FormReading = { enabled: false, maxBytes: 64 };

describe('fetchRsRequest', () => {
  it('takes method, URL and headers from the request, and no peer address or certificate', async () => {
    const request = new Request('https://api.example.com/items?page=2', {
      headers: [
        ['Authorization', 'Bearer abc'],
        ['X-Custom', 'a'],
        ['X-Custom', 'b'],
      ],
    });
    const translated = await fetchRsRequest(request, undefined, noForms);
    expect(translated.method).toBe('GET');
    expect(translated.url).toBe('https://api.example.com/items?page=2');
    expect({ ...translated.headers }).toEqual({ authorization: 'Bearer abc', 'x-custom': 'a, b' });
    expect(translated.form).toBeUndefined();
    expect(translated).not.toHaveProperty('peerAddress');
    expect(translated).not.toHaveProperty('clientCertificate');
  });

  it('keeps header names like Object.prototype members from reading as present', async () => {
    const { headers } = await fetchRsRequest(new Request('https://api.example.com/'), undefined, noForms);
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect(headers.constructor).toBeUndefined();
  });

  it('puts path and query under the public base when one is configured', async () => {
    const base = publicBaseUrl('https://api.example.com/v1/', 'publicUrl');
    const request = new Request('http://internal:8080/items?page=2#ignored');
    expect((await fetchRsRequest(request, base, noForms)).url).toBe(
      'https://api.example.com/v1/items?page=2',
    );
  });

  it('reads the form when form tokens are on', async () => {
    const request = new Request('https://api.example.com/items', {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'access_token=abc',
    });
    expect({ ...(await fetchRsRequest(request, undefined, reading)).form }).toEqual({ access_token: 'abc' });
  });
});

describe('requestForm', () => {
  // `duplex` lets a stream be a request body (Node requires it; Request types do not know it yet).
  const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': FORM }) =>
    new Request('https://api.example.com/items', {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit);

  it('reads the form from a clone, leaving the body whole for the handler', async () => {
    const request = post('access_token=abc&access_token=def');
    expect({ ...(await requestForm(request, reading)).form }).toEqual({ access_token: ['abc', 'def'] });
    expect(await request.text()).toBe('access_token=abc&access_token=def');
  });

  it('reads nothing when core would not look at the body', async () => {
    expect(await requestForm(post('access_token=abc'), noForms)).toEqual({});
    expect(await requestForm(post('{}', { 'content-type': 'application/json' }), reading)).toEqual({});
    expect(await requestForm(new Request('https://api.example.com/'), reading)).toEqual({});
    // Larger than the limit, but not a body core looks at: nothing to refuse either.
    expect(await requestForm(post('x'.repeat(65), { 'content-type': 'text/plain' }), reading)).toEqual({});
    // Form tokens off: a body something read is none of core's business.
    const usedUnwanted = post('access_token=abc');
    await usedUnwanted.text();
    expect(await requestForm(usedUnwanted, noForms)).toEqual({});
  });

  it('throws when a body core wants was read, or locked, by something before it', async () => {
    const used = post('access_token=abc');
    await used.text();
    await expect(requestForm(used, reading)).rejects.toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
    const locked = post('access_token=abc');
    locked.body!.getReader();
    await expect(requestForm(locked, reading)).rejects.toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
  });

  it('does not read a body whose declared length is over the limit, and says it is too large', async () => {
    const request = post('access_token=abc', { 'content-type': FORM, 'content-length': '65' });
    expect(await requestForm(request, reading)).toEqual({ formUnexamined: 'too-large' });
    expect(await request.text()).toBe('access_token=abc');
  });

  it('stops reading a streamed body once it passes the limit, and says it is too large', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new TextEncoder().encode('access_token=aaaaaaaaaaaaaaaaaaaa'));
      },
    });
    const request = post(endless);
    expect(await requestForm(request, reading)).toEqual({ formUnexamined: 'too-large' });
    expect(pulls).toBeLessThan(10);
  });

  it('says a body that fails to arrive could not be read, rather than that it carries no token', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    const request = post(failing);
    expect(await requestForm(request, reading)).toEqual({ formUnexamined: 'unreadable' });
  });
});
