import {
  generateSigningKey,
  jwksOf,
  signSecurityEvent,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryReplayStore, revocationList, securityEventReceiver, staticJwks } from '../../src/index.js';
import { ISSUER, NOW_S } from '../helpers.js';

const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';
const clock = () => NOW_S * 1000;

let transmitterKey: TestSigningKey;
beforeAll(async () => {
  transmitterKey = await generateSigningKey('ES256', 'ssf-1');
});

function receiver() {
  return securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore: memoryReplayStore({ clock }),
    revocations: revocationList({ clock }),
    clock,
  });
}

function sign(claims: Record<string, unknown>): Promise<string> {
  return signSecurityEvent(
    transmitterKey,
    { [TOKENS_REVOKED]: {} },
    {
      issuer: TRANSMITTER,
      audience: RECEIVER,
      issuedAt: NOW_S,
      subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
      claims,
    },
  );
}

/** A SET whose payload is written by hand, so that it may hold `1e999`, which JSON.parse reads as Infinity. */
function signText(claimText: string): Promise<string> {
  const payload =
    `{"iss":"${TRANSMITTER}","aud":"${RECEIVER}","iat":${NOW_S},"jti":"${crypto.randomUUID()}",` +
    `"sub_id":{"format":"iss_sub","iss":"${ISSUER}","sub":"alice"},"events":{"${TOKENS_REVOKED}":{}},${claimText}}`;
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: transmitterKey.alg, kid: transmitterKey.kid, typ: 'secevent+jwt' })
    .sign(transmitterKey.privateKey);
}

describe('security event receiver: exp and nbf that are no numbers', () => {
  // A transmitter that writes its dates as strings has a bug to be told of: "has expired" for an `exp`
  // a day ahead, or "not yet valid" for an `nbf` a day past, would send it looking at its clock.
  it.each([
    ['"exp":"1700086400"', 'The SET exp is not a number'],
    ['"exp":null', 'The SET exp is not a number'],
    ['"exp":1e999', 'The SET exp is not a number'],
    ['"nbf":"1699913600"', 'The SET nbf is not a number'],
    ['"nbf":-1e999', 'The SET nbf is not a number'],
  ])('refuses %s with invalid_request, naming it', async (claimText, description) => {
    const receipt = await receiver().receive(await signText(claimText));
    expect(receipt).toEqual({ ok: false, refusal: { err: 'invalid_request', description } });
  });

  it('still judges numeric dates by the clock', async () => {
    expect((await receiver().receive(await sign({ exp: NOW_S + 1, nbf: NOW_S }))).ok).toBe(true);
    expect(await receiver().receive(await sign({ exp: NOW_S - 61 }))).toEqual({
      ok: false,
      refusal: { err: 'invalid_request', description: 'The SET has expired' },
    });
    expect(await receiver().receive(await sign({ nbf: NOW_S + 61 }))).toEqual({
      ok: false,
      refusal: { err: 'invalid_request', description: 'The SET is not yet valid' },
    });
  });
});
