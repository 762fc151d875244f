import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkJsonMemberNames } from '../../src/encoding/json-duplicate-members.js';
import {
  type IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
  tokenCache,
} from '../../src/index.js';
import { MAX_ANSWER_DEPTH, parseIntrospectionJson } from '../../src/introspection/introspection-response.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// JSON.parse keeps the last of two members of one name; another reader (a proxy, an audit log, the
// authorization server's own library) may keep the first. An answer naming a member twice therefore says
// two things, and is no RFC 7662 answer to act on: 503, not cached. A stand-in authorization server over
// real HTTP sends the raw text the token names (JSON.stringify never writes a member twice).
const AUDIENCE = 'https://api.example.com';
const NOW_S = 1_900_000_000;

function nested(depth: number): string {
  return `{"active":true,"deep":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
}

const TWICE: Record<string, string> = {
  'active-false-then-true': '{"active":false,"active":true,"scope":"read"}',
  'active-true-then-false': '{"active":true,"scope":"read","active":false}',
  'active-escaped': '{"active":false,"\\u0061ctive":true,"scope":"read"}',
  'active-escaped-solidus': '{"a\\/b":1,"a/b":2,"active":true}',
  'aud-twice': `{"active":true,"aud":"https://other.example.com","aud":"${AUDIENCE}","scope":"read"}`,
  'scope-twice': '{"active":true,"scope":"read","scope":"read admin"}',
  'exp-twice': `{"active":true,"exp":${NOW_S - 10},"exp":${NOW_S + 60}}`,
  'cnf-jkt-twice': '{"active":true,"cnf":{"jkt":"a","jkt":"b"}}',
  'deep-custom-claim': '{"active":true,"realm_access":{"roles":["reader"],"roles":["admin"]}}',
  'in-array-of-objects': '{"active":true,"groups":[{"id":"a"},{"id":"b","id":"c"}]}',
  'too-deep': nested(MAX_ANSWER_DEPTH + 1),
};

const ONCE: Record<string, string> = {
  'same-name-in-sibling-objects': '{"active":true,"a":{"id":1},"b":{"id":1},"c":[{"id":1},{"id":2}]}',
  'names-as-values': '{"active":true,"scope":"active","tags":["active","active"],"x":{"active":"active"}}',
  'quotes-and-braces-in-strings':
    '{"active":true,"note":"\\"active\\":false,{}[]","path":"C:\\\\","k\\"ey":1,"k\\\\\\"ey":2}',
  'white-space': '{ "active" : true , "scope" : "read" , "n" : { "active" : 1 } }',
  'just-deep-enough': nested(MAX_ANSWER_DEPTH),
};

let server: StandInServer;
let calls = 0;
beforeAll(async () => {
  server = await startStandInServer((request) => {
    calls++;
    const token = request.form.get('token') ?? '';
    return { body: TWICE[token] ?? ONCE[token] ?? '{"active":false}' };
  });
});
afterAll(() => server.close());

function resolverWith(errors: IntrospectionError[], options: Partial<IntrospectionResolverOptions> = {}) {
  return introspectionResolver({
    endpoint: server.introspectionEndpoint,
    audience: AUDIENCE,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    allowInsecureHttp: true,
    onError: (error) => errors.push(error),
    ...options,
  });
}

describe('introspection: an answer naming one member twice in one object', () => {
  it.each(Object.keys(TWICE))('%s: 503 introspection_unavailable, not cached', async (token) => {
    const errors: IntrospectionError[] = [];
    // Answers without `aud` need no audience; the one with two needs it to have been accepted before.
    const resolver = resolverWith(
      errors,
      token === 'aud-twice' ? {} : { audience: undefined, acceptAnyAudience: true },
    );
    const rs = resourceServerWith(tokenCache(resolver), () => NOW_S * 1000);
    const before = calls;
    for (let i = 0; i < 2; i++) {
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(token)),
        'introspection_unavailable',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
    }
    expect(calls - before).toBe(2);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
    expect(errors[0]?.message).toMatch(
      token === 'too-deep'
        ? /answered JSON that nests .* deeper than 32 levels/
        : /answered JSON that names one member twice/,
    );
  });

  it.each(Object.keys(ONCE))('%s: read as before', async (token) => {
    const errors: IntrospectionError[] = [];
    const rs = resourceServerWith(resolverWith(errors, { audience: undefined, acceptAnyAudience: true }));
    const context = expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(context.claims).toEqual(JSON.parse(ONCE[token]!));
    expect(errors).toEqual([]);
  });
});

describe('checkJsonMemberNames', () => {
  it('compares names as JSON reads them, and only within one object', () => {
    expect(checkJsonMemberNames('{"a":1,"\\u0061":2}', 8)).toBe('duplicate');
    expect(checkJsonMemberNames('{"\\ud83d\\ude00":1,"😀":2}', 8)).toBe('duplicate');
    expect(checkJsonMemberNames('{"":1,"":2}', 8)).toBe('duplicate');
    expect(checkJsonMemberNames('{"a":{"a":{"a":1}}}', 8)).toBe('unique');
    expect(checkJsonMemberNames('[{"a":1},{"a":1}]', 8)).toBe('unique');
    expect(checkJsonMemberNames('{"a":[1,"b",{"b":0}],"b":1}', 8)).toBe('unique');
    expect(checkJsonMemberNames('{"a":[],"a":[]}', 8)).toBe('duplicate');
    expect(checkJsonMemberNames('"a"', 8)).toBe('unique');
    expect(checkJsonMemberNames('{}', 8)).toBe('unique');
  });

  it('refuses nesting beyond the bound, arrays and objects alike', () => {
    expect(checkJsonMemberNames('[[[]]]', 3)).toBe('unique');
    expect(checkJsonMemberNames('[[[[]]]]', 3)).toBe('too-deep');
    expect(checkJsonMemberNames('{"a":{"b":{"c":{}}}}', 3)).toBe('too-deep');
    // The bound holds however deep the text goes: no stack, no set per level beyond it.
    expect(checkJsonMemberNames('['.repeat(100_000) + ']'.repeat(100_000), MAX_ANSWER_DEPTH)).toBe(
      'too-deep',
    );
  });

  it('finds nesting beyond the bound before JSON.parse reads the answer', () => {
    // JSON.parse would build eight million nested arrays from 16 MiB of `[` before any check of its
    // result: the scan must come first, and the text never reach it.
    const text = `{"active":true,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(parseIntrospectionJson(text)).toEqual({
        ok: false,
        failure: expect.objectContaining({ description: expect.stringMatching(/deeper than 32 levels/) }),
      });
      expect(parse.mock.calls.some(([argument]) => argument === text)).toBe(false);
    } finally {
      parse.mockRestore();
    }
  });

  it('reads a 64 KiB answer of distinct members in one pass', () => {
    const members = Array.from({ length: 4_000 }, (_, i) => `"claim_${i}":"${'x'.repeat(4)}"`);
    const text = `{"active":true,${members.join(',')}}`;
    expect(text.length).toBeGreaterThan(60_000);
    expect(checkJsonMemberNames(text, MAX_ANSWER_DEPTH)).toBe('unique');
    expect(checkJsonMemberNames(`${text.slice(0, -1)},"claim_3999":"y"}`, MAX_ANSWER_DEPTH)).toBe(
      'duplicate',
    );
  });
});
