// Token types (RFC 6749 §7.1) and media types (RFC 6838 §4.2, a JOSE `typ` by RFC 7515 §4.1.9) compare
// case-insensitively in ASCII: `Bearer` is `bearer`, and `Token-Introspection+JWT` is
// `token-introspection+jwt`. JavaScript's `toLowerCase()` maps further, by Unicode: the KELVIN SIGN
// (U+212A) becomes the letter `k`, so `access_to\u212Aen` and `to\u212Aen-introspection+jwt` read as the
// names they are not. Such a name is not the one the RFC registers and is refused.
import { generateSigningKey, jwksOf, type TestAuthorizationServer, type TestSigningKey } from '@rs/testkit';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  resolveAt,
} from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

const KELVIN_SIGN = '\u212a';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

describe('token_type compared in ASCII case only', () => {
  it('accepts a JWT whose token_type is an access-token type in any ASCII case', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    for (const tokenType of ['BEARER', 'Access_Token', 'URN:IETF:PARAMS:OAUTH:TOKEN-TYPE:ACCESS_TOKEN']) {
      expectSuccess(await resolveAt(resolver, await mint(key, { token_type: tokenType })));
    }
  });

  it('refuses a JWT whose token_type only lower-cases to an access-token type by Unicode', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    for (const tokenType of [
      `access_to${KELVIN_SIGN}en`,
      `urn:ietf:params:oauth:token-type:access_to${KELVIN_SIGN}en`,
    ]) {
      expectFailure(
        await resolveAt(resolver, await mint(key, { token_type: tokenType })),
        'token_type_invalid',
      );
    }
  });
});

// A real authorization server (oidc-provider), whose introspection answer the test replaces.
describe('introspection answers: token_type and the RFC 9701 typ compared in ASCII case only', () => {
  const server = useAuthorizationServer();
  const ANSWER_AUDIENCE = 'rs-client';

  function signedAnswer(as: TestAuthorizationServer, typ: string): Promise<string> {
    const iat = Math.floor(Date.now() / 1000) - 1;
    const payload = {
      iss: as.issuer,
      aud: ANSWER_AUDIENCE,
      iat,
      token_introspection: { active: true, scope: 'read' },
    };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ })
      .sign(key.privateKey);
  }

  async function answeredWithType(as: TestAuthorizationServer, typ: string) {
    as.failIntrospection(200, await signedAnswer(as, typ), 'application/token-introspection+jwt');
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: staticJwks(jwksOf(key)), audience: ANSWER_AUDIENCE },
    });
    const result = await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token-1'));
    return { result, errors };
  }

  it('accepts a signed answer typed in any ASCII case, with or without application/', async () => {
    const as = server();
    for (const typ of ['Token-Introspection+JWT', 'APPLICATION/token-introspection+jwt']) {
      const { result, errors } = await answeredWithType(as, typ);
      expect(errors).toEqual([]);
      expectAccepted(result);
    }
  });

  it('refuses a signed answer whose typ only lower-cases to token-introspection+jwt by Unicode', async () => {
    const as = server();
    for (const typ of [
      `to${KELVIN_SIGN}en-introspection+jwt`,
      `application/to${KELVIN_SIGN}en-introspection+jwt`,
    ]) {
      const { result } = await answeredWithType(as, typ);
      expectRejected(result, 'introspection_unavailable', 503);
    }
  });

  it('refuses an answer whose token_type only lower-cases to an access-token type by Unicode', async () => {
    const as = server();
    const answer = { active: true, scope: 'read', token_type: `access_to${KELVIN_SIGN}en` };
    as.failIntrospection(200, JSON.stringify(answer), 'application/json');
    const { resolver } = introspectAt(as);
    const result = await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token-2'));
    expectRejected(result, 'token_type_invalid', 401);

    as.failIntrospection(200, JSON.stringify({ ...answer, token_type: 'Access_Token' }), 'application/json');
    const accepted = await resourceServerWith(introspectAt(as).resolver).authenticate(
      bearerRequest('opaque-token-3'),
    );
    expectAccepted(accepted);
  });
});
