import { describe, expect, it } from 'vitest';
import { publicBaseUrl, requestAuthority, requestUrl } from '../../src/adapter/index.js';
import { expectConfigError } from '../helpers.js';

describe('publicBaseUrl', () => {
  it('is undefined when no public URL is configured', () => {
    expect(publicBaseUrl(undefined, 'publicUrl')).toBeUndefined();
  });

  it('keeps scheme, host, port and path prefix, without trailing slashes', () => {
    expect(publicBaseUrl('https://api.example.com', 'publicUrl')).toBe('https://api.example.com');
    expect(publicBaseUrl('https://API.example.com:8443/v1//', 'publicUrl')).toBe(
      'https://api.example.com:8443/v1',
    );
    expect(publicBaseUrl('http://localhost:3000/', 'publicUrl')).toBe('http://localhost:3000');
  });

  it('refuses what cannot be a base for request targets, naming the option', () => {
    for (const value of [
      'api.example.com',
      '/v1',
      'ftp://api.example.com',
      'https://user:pass@api.example.com',
      'https://api.example.com/?',
      'https://api.example.com/?a=1',
      'https://api.example.com/#top',
    ]) {
      expectConfigError(() => publicBaseUrl(value, 'server.publicUrl'), 'server.publicUrl');
    }
  });
});

describe('requestUrl', () => {
  it('appends the request target to the public base when one is configured', () => {
    const base = publicBaseUrl('https://api.example.com/v1/', 'publicUrl');
    expect(requestUrl(base, 'http', 'internal:8080', '/items?page=2')).toBe(
      'https://api.example.com/v1/items?page=2',
    );
  });

  it('otherwise uses the scheme and host the framework derived', () => {
    expect(requestUrl(undefined, 'https', 'api.example.com', '/items')).toBe('https://api.example.com/items');
    expect(requestUrl(undefined, undefined, 'api.example.com', '/')).toBe('http://api.example.com/');
  });

  it('reads a target in absolute-form (RFC 9112 §3.2.2): its path and query, its authority for Host', () => {
    const base = publicBaseUrl('https://api.example.com', 'publicUrl');
    expect(requestUrl(base, 'http', 'internal', 'https://api.example.com/items?page=2')).toBe(
      'https://api.example.com/items?page=2',
    );
    expect(requestUrl(undefined, 'http', 'spoofed.example', 'http://127.0.0.1:8080/items')).toBe(
      'http://127.0.0.1:8080/items',
    );
    // The scheme stays the connection's: writing https:// over plain http does not make the request https.
    expect(requestUrl(undefined, 'http', 'api.example.com', 'HTTPS://api.example.com/items')).toBe(
      'http://api.example.com/items',
    );
    // What is not an http(s) URL stays a target as received (`*` has its own test: asterisk-form).
    expect(requestUrl(undefined, 'https', 'api.example.com', 'ftp://x/y')).toBe(
      'https://api.example.comftp://x/y',
    );
  });
});

describe('requestAuthority', () => {
  it('keeps a host, a port and an IP literal as they are', () => {
    for (const host of [
      'api.example.com',
      'api.example.com:8443',
      '[::1]:3000',
      '127.0.0.1',
      'xn--bcher-kva.example',
    ]) {
      expect(requestAuthority(host)).toBe(host);
    }
  });

  it('percent-encodes what would end the authority early or add userinfo', () => {
    expect(requestAuthority('api?access_token=x')).toBe('api%3Faccess_token=x');
    expect(requestAuthority('api#')).toBe('api%23');
    expect(requestAuthority('api/x?y=')).toBe('api%2Fx%3Fy=');
    expect(requestAuthority('evil@api')).toBe('evil%40api');
    expect(requestAuthority('a b\\c')).toBe('a%20b%5Cc');
    expect(requestAuthority('b\u00fccher')).toBe('b%C3%BCcher');
    expect(requestAuthority('\ud800')).toBe('%EF%BF%BD');
  });

  it('leaves the query to the request target, whatever the Host', () => {
    const url = requestUrl(undefined, 'https', 'api?x=', '/items?access_token=t');
    expect(url).toBe('https://api%3Fx=/items?access_token=t');
    expect(url.slice(url.indexOf('?'))).toBe('?access_token=t');
    // Such a host is no host to the URL parser either: nothing that compares hosts can match it.
    expect(URL.canParse(url)).toBe(false);
  });
});
