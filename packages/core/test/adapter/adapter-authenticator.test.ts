import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AdapterTranslation,
  adapterAuthenticator,
  type FormReading,
  formFromText,
} from '../../src/adapter/index.js';
import {
  createResourceServer,
  jwtResolver,
  type Rejection,
  type ResourceServerOptions,
  staticJwks,
} from '../../src/index.js';
import { API_URL, AUDIENCE, expectConfigError, ISSUER, mint, NOW_MS } from '../helpers.js';

/** A stand-in runtime: requests are a token and an optional form text, responses a status and a text. */
interface TinyRequest {
  readonly token?: string;
  readonly form?: string;
}
interface TinyResponse {
  readonly status: number;
  readonly text: string;
}

let key: TestSigningKey;
let options: ResourceServerOptions;
const formsSeen: FormReading[] = [];

const translation: AdapterTranslation<TinyRequest, TinyResponse> = {
  toRsRequest(input, form) {
    formsSeen.push(form);
    return {
      method: 'POST',
      url: API_URL,
      headers: {
        ...(input.token === undefined ? {} : { authorization: `Bearer ${input.token}` }),
        ...(input.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(input.form === undefined ? {} : formFromText(input.form, form.maxBytes)),
    };
  },
  rejectionResponse: (rejection: Rejection) => ({
    status: rejection.status,
    text: JSON.stringify(rejection.body),
  }),
};

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  options = {
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    clock: () => NOW_MS,
  };
});

describe('adapterAuthenticator', () => {
  it('hands an accepted request the context and core’s success headers', async () => {
    const { authenticate } = adapterAuthenticator(options, translation);
    const result = await authenticate({ token: await mint(key, { sub: 'alice', scope: 'read' }) });
    if (!result.ok) throw new Error(result.rejection.description);
    expect(result.context.subject).toBe('alice');
    expect(result.headers).toEqual({});
  });

  it('renders a refusal through the adapter, keeping core’s rejection beside it', async () => {
    const { authenticate } = adapterAuthenticator(options, translation);
    const result = await authenticate({});
    if (result.ok) throw new Error('expected a refusal');
    expect(result.rejection.code).toBe('token_missing');
    expect(result.response).toEqual({ status: 401, text: JSON.stringify(result.rejection.body) });
  });

  it('checks a route policy when the route is declared, and applies it to each request', async () => {
    const authenticator = adapterAuthenticator(options, translation);
    expectConfigError(
      () => authenticator.forRoute({ scopes: [''] as unknown as string[] }, 'protect.policy'),
      'protect.policy.scopes',
    );
    const readOnly = authenticator.forRoute({ scopes: ['read'] }, 'protect.policy');
    expect((await readOnly({ token: await mint(key, { scope: 'read' }) })).ok).toBe(true);
    const refused = await readOnly({ token: await mint(key, { scope: 'write' }) });
    expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');
  });

  it('uses a prebuilt resource server as it is', async () => {
    const shared = createResourceServer({ ...options, policy: { scopes: ['admin'] } });
    const authenticator = adapterAuthenticator({ resourceServer: shared }, translation);
    expect(authenticator.resourceServer).toBe(shared);
    const refused = await authenticator.authenticate({ token: await mint(key, { scope: 'read' }) });
    expect(refused.ok ? undefined : refused.rejection.code).toBe('insufficient_scope');
  });

  it('tells the translation whether and how far to read form bodies, checked at start-up', async () => {
    formsSeen.length = 0;
    const formTokens = { ...options, tokenLocations: { formBody: true }, maxFormBodyBytes: 2048 };
    const { authenticate } = adapterAuthenticator(formTokens, translation);
    const token = await mint(key, { sub: 'bob' });
    const result = await authenticate({ form: `access_token=${token}` });
    expect(result.ok && result.context.location).toBe('form-body');
    await adapterAuthenticator(options, translation).authenticate({});
    expect(formsSeen).toEqual([
      { enabled: true, maxBytes: 2048 },
      { enabled: false, maxBytes: 65_536 },
    ]);
    expectConfigError(
      () => adapterAuthenticator({ ...options, maxFormBodyBytes: -1 }, translation),
      'maxFormBodyBytes',
    );
  });
});
