import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpApiRequest } from '../src/request/http-api-request.js';
import { restApiRequest } from '../src/request/rest-api-request.js';
import { restApiSampleEvent } from './fixtures/rest-api-event.js';
import { httpApiEvent } from './support/http-api-events.js';
import { restApiEvent } from './support/rest-api-events.js';

const noForm = { enabled: false, maxBytes: 0 };

describe('REST API events (payload 1.0)', () => {
  it('builds the public https URL with the stage, from the Host header', () => {
    const request = restApiRequest(restApiEvent({ method: 'GET', target: '/items/7' }), noForm, undefined);
    expect(request.url).toBe('https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod/items/7');
    expect(request.method).toBe('GET');
    expect(request.peerAddress).toBe('192.0.2.1');
  });

  it('re-encodes the decoded query, keeping repeated parameters', () => {
    const event = restApiEvent({ method: 'GET', target: '/items?q=a%26b%3Dc&tag=x&tag=y&empty=' });
    expect(event.multiValueQueryStringParameters).toEqual({ q: ['a&b=c'], tag: ['x', 'y'], empty: [''] });
    const url = new URL(restApiRequest(event, noForm, undefined).url);
    expect(url.searchParams.get('q')).toBe('a&b=c');
    expect(url.searchParams.getAll('tag')).toEqual(['x', 'y']);
    expect(url.searchParams.get('empty')).toBe('');
  });

  it('falls back to queryStringParameters and to the domain name', () => {
    const event: APIGatewayProxyEvent = {
      ...structuredClone(restApiSampleEvent),
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: { page: '2' },
    };
    expect(restApiRequest(event, noForm, undefined).url).toBe(
      'https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod/my/path?page=2',
    );
  });

  it('keeps a decoded ? or # in the path, so it cannot start a query', () => {
    const request = restApiRequest(
      restApiEvent({ method: 'GET', target: '/files/a%3Faccess_token=x%23y' }),
      noForm,
      undefined,
    );
    expect(request.url).toBe(
      'https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod/files/a%3Faccess_token=x%23y',
    );
  });

  it("percent-encodes a Host that would end the authority early, so that the query stays the target's", () => {
    for (const host of ['api.example.com?access_token=x&y=', 'api.example.com#', 'api.example.com/x?y=']) {
      const request = restApiRequest(
        restApiEvent({ method: 'GET', target: '/items', headers: { Host: host } }),
        noForm,
        undefined,
      );
      expect(request.url, host).not.toMatch(/[?#]/);
      expect(request.url.startsWith('https://api.example.com%'), host).toBe(true);
    }
  });

  it('lower-cases header names, multi-value headers winning over single ones', () => {
    const event = restApiEvent({
      method: 'GET',
      target: '/',
      headers: { 'X-Trace': ['a', 'b'], Accept: 'text/plain' },
    });
    const { headers } = restApiRequest(event, noForm, undefined);
    expect(headers['x-trace']).toEqual(['a', 'b']);
    expect(headers.accept).toBe('text/plain');
    expect(headers.host).toBe('abcdef1234.execute-api.us-east-1.amazonaws.com');
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('accepts the null header maps of console test invocations', () => {
    const event = { ...structuredClone(restApiSampleEvent), headers: null, multiValueHeaders: null };
    const request = restApiRequest(event as unknown as APIGatewayProxyEvent, noForm, undefined);
    expect(request.headers).toEqual({});
    expect(request.url).toBe('https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod/my/path');
  });

  it('does not let a header named like an Object member read as present', () => {
    const { headers } = restApiRequest(restApiEvent({ method: 'GET', target: '/' }), noForm, undefined);
    expect(headers.constructor).toBeUndefined();
  });
});

describe('HTTP API events (payload 2.0)', () => {
  it('builds the URL from the raw path and query, and joins cookies back into a Cookie header', () => {
    const event = httpApiEvent({
      method: 'DELETE',
      target: '/items/7?force=true&x=%20',
      headers: { Cookie: 'session=s3cr3t; theme=dark' },
    });
    expect(event.cookies).toEqual(['session=s3cr3t', 'theme=dark']);
    const request = httpApiRequest(event, noForm, undefined);
    expect(request.url).toBe(
      'https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/items/7?force=true&x=%20',
    );
    expect(request.method).toBe('DELETE');
    expect(request.peerAddress).toBe('192.0.2.1');
    expect(request.headers.cookie).toBe('session=s3cr3t; theme=dark');
  });

  it('keeps comma-joined repeated headers as one value', () => {
    const event = httpApiEvent({ method: 'GET', target: '/', headers: { 'X-Trace': ['a', 'b'] } });
    expect(httpApiRequest(event, noForm, undefined).headers['x-trace']).toBe('a,b');
  });
});
