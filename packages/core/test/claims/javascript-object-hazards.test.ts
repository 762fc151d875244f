import {
  createTestPki,
  generateSigningKey,
  jwksOf,
  signSecurityEvent,
  startPollTransmitter,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  type AuthResult,
  claimArrayContains,
  claimCheck,
  claimEquals,
  claimIncludes,
  claimStringMatches,
  createResourceServer,
  introspectionResolver,
  type JwtResolverOptions,
  jwtResolver,
  memoryReplayStore,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
  tokenCache,
  upstreamHeaders,
  verifyClaims,
} from '../../src/index.js';
import { dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  NOW_MS,
  NOW_S,
} from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// Names and numbers that JavaScript reads differently from JSON: members named as Object.prototype's
// (`__proto__`, which JSON.parse makes an own member, `constructor`, `toString`, …), numbers JSON.parse
// turns into Infinity or rounds, numeric strings. Each is sent end to end: in a JWT signed over the exact
// JSON text (so that a member can be named `__proto__` or a number written `1e400`), and in the answer of
// an authorization server over real HTTP on loopback, also written as raw JSON text.

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

let key: TestSigningKey;
let standIn: StandInServer;
/** The raw JSON text the stand-in answers, by the token it is asked about. */
const answers = new Map<string, string>();

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  standIn = await startStandInServer((request) => ({
    body: answers.get(request.form.get('token') ?? '') ?? '{"active":false}',
  }));
});
afterAll(() => standIn.close());

/** The claims of a minted token, as JSON text: the usual ones, then `extra` (raw JSON members, no braces). */
function payloadText(extra: string, base: Record<string, unknown> = {}): string {
  const usual = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'app',
    iat: NOW_S,
    exp: NOW_S + 300,
    jti: 'jti-1',
    ...base,
  };
  for (const name of Object.keys(usual))
    if ((usual as Record<string, unknown>)[name] === undefined)
      delete (usual as Record<string, unknown>)[name];
  const text = JSON.stringify(usual);
  return extra === '' ? text : `${text.slice(0, -1)},${extra}}`;
}

/** A real ES256 JWS over exactly `payload` (JSON text), with `header` (JSON text) as its protected header. */
async function signRaw(
  payload: string,
  header = `{"alg":"ES256","typ":"at+jwt","kid":"${'k1'}"}`,
): Promise<string> {
  const input = `${base64url.encode(header)}.${base64url.encode(payload)}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

function jwt(options: Partial<JwtResolverOptions> = {}): AccessTokenResolver {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), ...options });
}

function introspection(): AccessTokenResolver {
  return introspectionResolver({
    endpoint: standIn.introspectionEndpoint,
    issuer: ISSUER,
    audience: AUDIENCE,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'S3cr3t-value' },
    allowInsecureHttp: true,
    retries: 0,
  });
}

type Form = 'JWT' | 'introspection' | 'JWT, verified-token cache' | 'introspection, token cache';
const FORMS: readonly Form[] = [
  'JWT',
  'introspection',
  'JWT, verified-token cache',
  'introspection, token cache',
];

let tokenNumber = 0;

/**
 * The decision on a token carrying the usual claims and `extra` (raw JSON members), as a JWT or as an
 * opaque token the stand-in answers for, twice (a cache's hit is decided the second time).
 */
async function decide(
  form: Form,
  extra: string,
  policy?: AccessPolicy,
  base: Record<string, unknown> = {},
): Promise<AuthResult[]> {
  let resolver: AccessTokenResolver;
  let token: string;
  if (form.startsWith('JWT')) {
    resolver = jwt(form === 'JWT' ? {} : { verifiedTokenCache: { maxEntries: 10 } });
    token = await signRaw(payloadText(extra, base));
  } else {
    token = `opaque-${++tokenNumber}`;
    answers.set(token, payloadText(extra, { active: true, ...base }));
    resolver = form === 'introspection' ? introspection() : tokenCache(introspection());
  }
  const server = createResourceServer({ resolver, clock: () => NOW_MS, realm: 'api' });
  const checked = policy === undefined ? undefined : server.checkPolicy(policy, 'route');
  const results: AuthResult[] = [];
  for (let i = 0; i < 2; i++)
    results.push(
      await (checked === undefined
        ? server.authenticate(bearerRequest(token))
        : server.authenticate(bearerRequest(token), checked)),
    );
  return results;
}

/** Object.prototype as the test found it: no member added, none changed. */
const PROTOTYPE_MEMBERS = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_MEMBERS);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).scope).toBeUndefined();
}

const SMUGGLED =
  '"__proto__":{"scope":"admin","scp":["admin"],"tenant":"acme","acr":"urn:mfa","auth_time":1700000000,' +
  '"roles":["admin"],"active":true,"cnf":{"jkt":"x"}}';

describe.each(FORMS)('a "__proto__" member (%s)', (form) => {
  it('grants no scope, meets no claim check and no step-up, and changes no prototype', async () => {
    for (const policy of [
      { scopes: ['admin'] },
      { scopes: { anyOf: ['admin'] } },
      { claims: [claimEquals('tenant', 'acme')] },
      { claims: [claimIncludes('roles', 'admin')] },
      { claims: [claimArrayContains('roles', ['admin'])] },
      { claims: [claimStringMatches('tenant', 'acme')] },
      { claims: verifyClaims([{ claim: 'tenant', type: 'STRING', value: 'acme' }]) },
      { acrValues: ['urn:mfa'] },
      { maxAge: 600 },
    ] satisfies AccessPolicy[]) {
      for (const result of await decide(form, SMUGGLED, policy)) {
        expect(result.ok, JSON.stringify(policy)).toBe(false);
        if (!result.ok) expect(result.rejection.status).toBeGreaterThanOrEqual(401);
      }
      expectPrototypeUntouched();
    }
  });

  it('is kept as an own claim of its own, reachable by an explicit path, and serializes as it came', async () => {
    const [first, second] = await decide(form, SMUGGLED, {
      claims: [claimEquals(['__proto__', 'tenant'], 'acme')],
    });
    for (const result of [first!, second!]) {
      const context = expectAccepted(result);
      expect(Object.hasOwn(context.claims, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(context.claims)).toBe(Object.prototype);
      expect(context.scopes.size).toBe(0);
      expect(context.confirmation).toBeUndefined();
      const serialized = JSON.parse(JSON.stringify(context.claims));
      expect(Object.getOwnPropertyDescriptor(serialized, '__proto__')?.value.tenant).toBe('acme');
    }
    expectPrototypeUntouched();
  });
});

describe.each(FORMS)('claims named as members of Object.prototype (%s)', (form) => {
  it.each(PROTOTYPE_NAMES)('a policy requiring "%s" refuses a token without it', async (name) => {
    for (const policy of [
      { claims: [claimCheck(name, (value) => value !== undefined)] },
      { claims: [claimCheck([name, 'name'], (value) => value !== undefined)] },
      { claims: [claimCheck(`${name}.name`, (value) => value !== undefined)] },
      { claims: [claimStringMatches(`${name}.name`, 'Object')] },
      { claims: verifyClaims([{ claim: `${name}.name`, type: 'STRING', value: 'Object' }]) },
      { claims: [claimIncludes(name, 'x')] },
    ] satisfies AccessPolicy[]) {
      for (const result of await decide(form, '', policy)) expectRejected(result, 'claim_check_failed');
    }
  });

  it.each(PROTOTYPE_NAMES)('a token carrying "%s" as a claim is read like any other', async (name) => {
    const results = await decide(form, `${JSON.stringify(name)}:"x","scope":"read"`, {
      scopes: ['read'],
      claims: [claimEquals(name, 'x')],
    });
    for (const result of results) {
      const context = expectAccepted(result);
      expect(context.claims[name]).toBe('x');
      expect(context.subject).toBe('alice');
      // Neither serializing nor inspecting the context calls a claim.
      expect(JSON.parse(JSON.stringify(context)).claims[name]).toBe('x');
    }
    expectPrototypeUntouched();
  });

  it.each(PROTOTYPE_NAMES)('a scope named "%s" is granted only by the token', async (name) => {
    expectRejected((await decide(form, '"scope":"read"', { scopes: [name] }))[0]!, 'insufficient_scope');
    expectAccepted((await decide(form, `"scope":"read ${name}"`, { scopes: [name] }))[0]!);
  });
});

describe('required claims named as members of Object.prototype (JWT)', () => {
  it.each(PROTOTYPE_NAMES)('requiredClaims ["%s"] refuses a token without it', async (name) => {
    const server = createResourceServer({ resolver: jwt({ requiredClaims: [name] }), clock: () => NOW_MS });
    const token = await signRaw(payloadText(''));
    expectRejected(await server.authenticate(bearerRequest(token)), 'claim_missing');
  });
});

describe('upstream headers named after members of Object.prototype', () => {
  it('forwards no header for a claim the token does not carry, and keeps __proto__ headers plain', async () => {
    const forwarded = upstreamHeaders({
      claims: { constructor: 'constructor', 'X-To-String': ['toString'], 'X-Proto': '__proto__' },
    });
    const [result] = await decide('JWT', '');
    const context = expectAccepted(result!);
    const headers = forwarded.rewrite({ host: 'api.example.com' }, context);
    expect({ ...headers }).toEqual({ host: 'api.example.com' });
    const mapping = JSON.parse('{"__proto__":"sub","X-Sub":"sub"}');
    const own = upstreamHeaders({ claims: mapping }).forContext(context);
    expect(Object.hasOwn(own, '__proto__')).toBe(true);
    expect(own['x-sub']).toBe('alice');
    expectPrototypeUntouched();
  });
});

// Times as JSON may write them, JSON.parse may read them, and a NumericDate must not be.
describe.each(['JWT', 'introspection'] as const)('numbers in the validity claims (%s)', (form) => {
  const refusedCode = form === 'JWT' ? 'claim_invalid' : 'introspection_unavailable';
  it.each([
    ['exp', '1e400', refusedCode],
    ['exp', '-1e400', refusedCode],
    ['exp', '"1700000300"', refusedCode],
    ['exp', '-0', 'token_expired'],
    ['exp', '-1', 'token_expired'],
    ['nbf', '1e400', refusedCode],
    ['nbf', '"0"', refusedCode],
    ['iat', '1e400', refusedCode],
    ['iat', '1e21', 'token_not_yet_valid'],
    ['iat', '9007199254740993', 'token_not_yet_valid'],
  ])('%s %s is refused (%s)', async (member, value, code) => {
    const [result] = await decide(form, `"${member}":${value}`, undefined, { [member]: undefined });
    expectRejected(result!, code as never);
  });

  it.each([
    ['exp', '1e21'],
    ['exp', '1.7976931348623157e308'],
    ['exp', '9007199254740993'],
    ['exp', '1700000300.5'],
    ['nbf', '-0'],
    ['nbf', '-1e300'],
    ['iat', '1699999999.999'],
  ])('%s %s is a NumericDate', async (member, value) => {
    const [result] = await decide(form, `"${member}":${value}`, undefined, { [member]: undefined });
    expectAccepted(result!);
  });
});

// exp × 1000 overflows to Infinity for the largest doubles: a cache lifetime computed from it must stay the
// cache's own bound, never become endless (nor negative).
describe('an exp far in the future', () => {
  it.each(['JWT, verified-token cache', 'introspection, token cache'] as const)(
    'is accepted as the token says (%s)',
    async (form) => {
      const results = await decide(form, '"exp":1.7976931348623157e308', undefined, { exp: undefined });
      for (const result of results) expect(expectAccepted(result).expiresAt).toBe(1.7976931348623157e308);
    },
  );

  it('keeps an introspection answer no longer than the token cache ttl', async () => {
    const token = `opaque-${++tokenNumber}`;
    answers.set(token, payloadText('"exp":1.7976931348623157e308', { active: true, exp: undefined }));
    let now = NOW_MS;
    const server = createResourceServer({
      resolver: tokenCache(introspection(), { ttl: 60_000 }),
      clock: () => now,
    });
    const asked = () => standIn.requests.filter((request) => request.form.get('token') === token).length;
    expectAccepted(await server.authenticate(bearerRequest(token)));
    expectAccepted(await server.authenticate(bearerRequest(token)));
    expect(asked()).toBe(1);
    now += 60_001;
    expectAccepted(await server.authenticate(bearerRequest(token)));
    expect(asked()).toBe(2);
  });
});

describe.each(['JWT', 'introspection'] as const)('auth_time as JSON may write it (%s)', (form) => {
  it.each(['1e400', '"1700000000"', '-1e400', '1e21', 'null', '[1700000000]'])(
    'auth_time %s meets no max_age',
    async (value) => {
      const [result] = await decide(form, `"auth_time":${value},"scope":"read"`, { maxAge: 600 });
      expectRejected(result!, 'insufficient_user_authentication');
    },
  );
});

describe.each(['JWT', 'introspection'] as const)('scopes as arrays and strings (%s)', (form) => {
  it.each([
    ['"scope":["read admin"]', false],
    ['"scope":"read\\tadmin"', false],
    ['"scope":"","scp":["admin"]', false],
    ['"scope":[],"scp":"admin"', false],
    ['"scope":[1,"admin"]', 'invalid'],
    ['"scope":"read  admin "', true],
    ['"scp":["read","admin"]', true],
  ] as const)('%s grants admin: %s', async (members, grants) => {
    const [result] = await decide(form, members, { scopes: ['admin'] });
    if (grants === true) expectAccepted(result!);
    else if (grants === false) expectRejected(result!, 'insufficient_scope');
    else expect(result!.ok).toBe(false);
  });
});

describe('strings at the edges of Unicode', () => {
  it.each(FORMS)(
    'a lone surrogate or NUL in a claim is kept as it is, never forwarded raw (%s)',
    async (form) => {
      const [result] = await decide(form, '"tenant":"a\\ud800b","note":"x\\u0000y","scope":"read"');
      const context = expectAccepted(result!);
      expect(context.claims.tenant).toBe('a\ud800b');
      const forwarded = upstreamHeaders({ claims: ['tenant', 'note'], unsafeValues: 'percent-encode' });
      expect(forwarded.forContext(context)).toEqual({ 'x-token-note': 'x%00y' });
    },
  );
});

// A prototype pollution elsewhere in the process (a vulnerable deep merge of request data) sets members on
// Object.prototype. What an authorization server did not say must not be read from there.
describe('members an authorization server did not send, with a polluted Object.prototype', () => {
  async function polluted<T>(member: string, value: unknown, decide: () => Promise<T>): Promise<T> {
    Object.defineProperty(Object.prototype, member, { value, configurable: true, writable: true });
    try {
      return await decide();
    } finally {
      delete (Object.prototype as Record<string, unknown>)[member];
    }
  }

  it.each(['introspection', 'introspection, token cache'] as const)(
    'an answer without "active" is no active answer (%s)',
    async (form) => {
      const token = `opaque-${++tokenNumber}`;
      answers.set(token, JSON.stringify({ scope: 'read', sub: 'alice', iss: ISSUER, aud: AUDIENCE }));
      const resolver = form === 'introspection' ? introspection() : tokenCache(introspection());
      const server = createResourceServer({ resolver, clock: () => NOW_MS });
      const result = await polluted('active', true, () => server.authenticate(bearerRequest(token)));
      expectRejected(result, 'introspection_unavailable');
    },
  );

  it('a signed answer (RFC 9701) without "token_introspection" carries no inherited one', async () => {
    let signedAnswerBody = '';
    const signedAnswers = await startStandInServer(() => ({
      contentType: 'application/token-introspection+jwt',
      body: signedAnswerBody,
    }));
    try {
      signedAnswerBody = await signRaw(
        JSON.stringify({ iss: ISSUER, aud: 'rs', iat: Math.floor(Date.now() / 1000) }),
        '{"alg":"ES256","typ":"token-introspection+jwt","kid":"k1"}',
      );
      const resolver = introspectionResolver({
        endpoint: signedAnswers.introspectionEndpoint,
        issuer: ISSUER,
        audience: AUDIENCE,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'S3cr3t-value' },
        allowInsecureHttp: true,
        retries: 0,
        jwtResponse: { keys: staticJwks(jwksOf(key)), audience: 'rs' },
      });
      const server = createResourceServer({ resolver, clock: () => NOW_MS });
      const inherited = { active: true, scope: 'admin', aud: AUDIENCE, iss: ISSUER, sub: 'mallory' };
      const result = await polluted('token_introspection', inherited, () =>
        server.authenticate(bearerRequest('opaque-signed')),
      );
      expectRejected(result, 'introspection_unavailable');
    } finally {
      await signedAnswers.close();
    }
  });

  it.each([
    ['JWT', '"cnf":{"auth_level":0}'],
    ['introspection', '"cnf":{"auth_level":0},"token_type":"DPoP"'],
  ] as const)(
    'a token (%s) whose cnf names no method is bound to no inherited DPoP key',
    async (form, members) => {
      const attacker = await dpopKey();
      let resolver: AccessTokenResolver;
      let token: string;
      if (form === 'JWT') {
        resolver = jwt();
        token = await signRaw(payloadText(`${members},"scope":"read"`));
      } else {
        token = `opaque-${++tokenNumber}`;
        answers.set(token, payloadText(`${members},"scope":"read"`, { active: true }));
        resolver = introspection();
      }
      const server = createResourceServer({ resolver, dpop: true, clock: () => NOW_MS });
      const proof = await makeProof(attacker, {}, { token });
      const result = await polluted('jkt', attacker.jkt, () =>
        server.authenticate(dpopRequest(token, proof)),
      );
      expect(result.ok).toBe(false);
    },
  );
});

describe('the confirmation a cache hands to many requests', () => {
  it.each(['JWT, verified-token cache', 'introspection, token cache'] as const)(
    'is frozen, also when cnf spells the thumbprint x5t#SHA256 (%s)',
    async (form) => {
      const pki = createTestPki();
      try {
        const thumbprint = pki.client.thumbprint;
        const cnf = `"cnf":{"x5t#SHA256":"${thumbprint}"},"scope":"read"`;
        let resolver: AccessTokenResolver;
        let token: string;
        if (form.startsWith('JWT')) {
          resolver = jwt({ verifiedTokenCache: { maxEntries: 10 } });
          token = await signRaw(payloadText(cnf));
        } else {
          token = `opaque-${++tokenNumber}`;
          answers.set(token, payloadText(cnf, { active: true }));
          resolver = tokenCache(introspection());
        }
        const server = createResourceServer({ resolver, clock: () => NOW_MS });
        const request = bearerRequest(token, { clientCertificate: pki.client.der });
        const first = expectAccepted(await server.authenticate(request));
        const confirmation = first.confirmation as Record<string, unknown>;
        expect(confirmation['x5t#S256']).toBe(thumbprint);
        // Application code changing what it was handed must not rebind the token for its later requests.
        expect(Reflect.set(confirmation, 'x5t#S256', pki.other.thumbprint)).toBe(false);
        expect(Object.isFrozen(confirmation)).toBe(true);
        const second = expectAccepted(await server.authenticate(request));
        expect(second.confirmation?.['x5t#S256']).toBe(thumbprint);
        expectRejected(
          await server.authenticate(bearerRequest(token, { clientCertificate: pki.other.der })),
          'certificate_mismatch',
        );
      } finally {
        pki.cleanup();
      }
    },
  );
});

// Configuration read from a JSON file: JSON.parse makes `__proto__` an own member, never a prototype.
describe('configuration read from JSON with a "__proto__" member', () => {
  it.each([
    [
      'verifyClaims[0].__proto__',
      () => verifyClaims(JSON.parse('[{"claim":"tenant","__proto__":{"type":"STRING","value":"acme"}}]')),
    ],
    [
      'verifyClaims[0].__proto__',
      () =>
        verifyClaims(
          JSON.parse('[{"claim":"scope","type":"STRING","value":"a b","__proto__":{"delimiter":"SPACE"}}]'),
        ),
    ],
    [
      'upstreamHeaders.__proto__',
      () => upstreamHeaders(JSON.parse('{"claims":["sub"],"__proto__":{"forwardCredentials":true}}')),
    ],
    [
      'jwtResolver.__proto__',
      () =>
        jwtResolver(
          Object.assign(JSON.parse('{"__proto__":{"acceptAnyAudience":true}}'), {
            issuer: ISSUER,
            keys: staticJwks(jwksOf(key)),
          }),
        ),
    ],
  ])('is refused as an unknown option (%s)', (option, build) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { option?: string } | undefined)?.option).toBe(option);
  });
});

// A SET says whose tokens to revoke; a subject identifier inherited from a polluted Object.prototype would
// send the revocation to another subject, and leave the one the transmitter named untouched.
describe('security event tokens, with a polluted Object.prototype', () => {
  const TRANSMITTER = 'https://ssf.example.com';
  const RECEIVER = 'https://api.example.com/ssf';
  const SET_TIME_S = NOW_S + 60;
  const setClock = () => SET_TIME_S * 1000 + 500;

  async function revokedAfter(
    sub_id: Record<string, unknown> | undefined,
    event: Record<string, unknown>,
    pollution: readonly [string, unknown],
  ): Promise<{ alice: boolean; bob: boolean }> {
    const transmitterKey = await generateSigningKey('ES256', 'ssf-1');
    const revocations = revocationList({ clock: setClock });
    const receiver = securityEventReceiver({
      issuer: TRANSMITTER,
      audience: RECEIVER,
      keys: staticJwks(jwksOf(transmitterKey)),
      replayStore: memoryReplayStore({ clock: setClock }),
      revocations,
      clock: setClock,
    });
    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: event },
      {
        issuer: TRANSMITTER,
        audience: RECEIVER,
        issuedAt: SET_TIME_S,
        ...(sub_id === undefined ? {} : { subjectId: sub_id }),
      },
    );
    const [member, value] = pollution;
    Object.defineProperty(Object.prototype, member, { value, configurable: true, writable: true });
    try {
      expect((await receiver.receive(set)).ok).toBe(true);
    } finally {
      delete (Object.prototype as Record<string, unknown>)[member];
    }
    const resolver = jwt({ revocations });
    const revoked = async (sub: string) => {
      const token = await signRaw(payloadText('', { sub }));
      const outcome = await resolver.resolve(token, { request: bearerRequest(token), now: setClock() });
      return !outcome.ok && outcome.failure.code === 'token_revoked';
    };
    return { alice: await revoked('alice'), bob: await revoked('bob') };
  }

  it('revokes the subject named in the event, not an inherited "sub_id"', async () => {
    const bob = { format: 'iss_sub', iss: ISSUER, sub: 'bob' };
    const event = { subject: { format: 'iss_sub', iss: ISSUER, sub: 'alice' } };
    expect(await revokedAfter(undefined, event, ['sub_id', bob])).toEqual({ alice: true, bob: false });
  });

  it('reads a complex subject as one, whatever "format" Object.prototype has', async () => {
    const complex = { user: { format: 'iss_sub', iss: ISSUER, sub: 'alice' } };
    expect(await revokedAfter(complex, {}, ['format', 'email'])).toEqual({ alice: true, bob: false });
  });
});

// RFC 8936: the transmitter names each SET by its jti, a member name of `sets`, and the receiver reports a
// refused one under the same name in `setErrs`. A jti such as `__proto__` is a name like any other.
describe('a polled SET whose jti is named as a member of Object.prototype', () => {
  it.each(PROTOTYPE_NAMES)('is reported refused under its jti "%s", and no longer delivered', async (jti) => {
    const transmitter = await startPollTransmitter();
    try {
      const transmitterKey = await generateSigningKey('ES256', 'ssf-1');
      const receiver = securityEventReceiver({
        issuer: 'https://ssf.example.com',
        audience: 'https://api.example.com/ssf',
        keys: staticJwks(jwksOf(transmitterKey)),
        replayStore: memoryReplayStore(),
        revocations: revocationList(),
      });
      transmitter.enqueue(jti, 'not-a-set');
      const poller = securityEventPoller({
        endpoint: transmitter.endpoint,
        receiver,
        returnImmediately: true,
      });
      expect(await poller.pollOnce()).toMatchObject({ received: 0, refused: 1 });
      await poller.pollOnce();
      expect(Object.keys(transmitter.polls[1]?.setErrs ?? {})).toEqual([jti]);
      expect(transmitter.pending()).toEqual([]);
      expectPrototypeUntouched();
    } finally {
      await transmitter.close();
    }
  });
});

// JSON.parse reads every integer beyond 2^53 as the nearest double: 1234567890123456789 and
// 1234567890123456800 are one number to JavaScript. A check comparing a numeric claim (a 64-bit tenant or
// account ID) with such a number would let a token of a neighbouring ID through; it is refused when
// written, as verifyClaims' INTEGER refuses it, and never reached a request.
describe('a claim check comparing with an integer JavaScript cannot hold exactly', () => {
  it.each([
    // As read from a configuration file: the literal itself would not survive the linter.
    ['a 64-bit ID', () => claimEquals('tenant_id', JSON.parse('1234567890123456789'))],
    ['2^53', () => claimEquals('tenant_id', 2 ** 53)],
    ['below -(2^53 - 1)', () => claimEquals('tenant_id', -(2 ** 53))],
    ['in a list', () => claimEquals('tenant_ids', JSON.parse('[1, 1234567890123456789]'))],
  ])('is refused as claimEquals(expected): %s', (_, build) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { option?: string } | undefined)?.option).toBe('claimEquals(expected)');
  });

  it('still compares safe integers, and a token of a neighbouring 64-bit ID is refused by a string check', async () => {
    const [accepted] = await decide('JWT', '"tenant_id":9007199254740991', {
      claims: [claimEquals('tenant_id', 9007199254740991)],
    });
    expectAccepted(accepted!);
    const [neighbour] = await decide('JWT', '"tenant_id":"1234567890123456800"', {
      claims: [claimEquals('tenant_id', '1234567890123456789')],
    });
    expectRejected(neighbour!, 'claim_check_failed');
  });
});

describe('a poll answer, with a polluted Object.prototype', () => {
  it('without "moreAvailable" says no more is available, whatever Object.prototype says', async () => {
    const transmitter = await startStandInServer(() => ({ json: { sets: {} } }));
    try {
      const poller = securityEventPoller({
        endpoint: `${transmitter.origin}/ssf/poll`,
        receiver: securityEventReceiver({
          issuer: 'https://ssf.example.com',
          audience: 'https://api.example.com/ssf',
          keys: staticJwks(jwksOf(key)),
          replayStore: memoryReplayStore(),
          revocations: revocationList(),
        }),
        returnImmediately: true,
      });
      Object.defineProperty(Object.prototype, 'moreAvailable', { value: true, configurable: true });
      let result: Awaited<ReturnType<typeof poller.pollOnce>>;
      try {
        result = await poller.pollOnce();
      } finally {
        delete (Object.prototype as Record<string, unknown>).moreAvailable;
      }
      expect(result).toEqual({ received: 0, refused: 0, deferred: 0, moreAvailable: false });
    } finally {
      await transmitter.close();
    }
  });
});
