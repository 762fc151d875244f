// On Node the spelling proof leaves a token's decoded signature and payload for the signature check,
// which takes them instead of decoding both again. The check must use them only for the very token
// proven: never another token's bytes, whatever ran in between, and nothing may stay once it is done.
import { createHook } from 'node:async_hooks';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodedSegmentsOf,
  nodeCompactJwsSpellingProof,
} from '../../src/encoding/node-compact-jws-spelling.js';
import { type CompactJws, parseCompactJws, type SignatureCheck } from '../../src/jose/compact-jws.js';
import { nodeSignatureCheck } from '../../src/jose/node-signature-check.js';

let privateKey: KeyObject;
let key: CryptoKey;

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  key = (await importJWK(
    { ...pair.publicKey.export({ format: 'jwk' }), alg: 'RS256' },
    'RS256',
  )) as CryptoKey;
});

const sign = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);

function prove(token: string): void {
  expect(nodeCompactJwsSpellingProof!(token)).toBe(true);
}

function parsed(token: string): CompactJws {
  const jws = parseCompactJws(token, true);
  if (!jws.ok) throw new Error(jws.failure.description);
  return jws.value;
}

function check(token: string): SignatureCheck {
  return nodeSignatureCheck!(parsed(token), key) as SignatureCheck;
}

const claimsOf = (result: SignatureCheck): unknown =>
  result.valid ? JSON.parse(result.payload as string) : undefined;

describe('the decoded segments the spelling proof leaves for the node:crypto check', () => {
  it('serve the token proven last, and a token proven earlier is decoded anew', async () => {
    const [a, b] = [await sign({ sub: 'a' }), await sign({ sub: 'b', padding: 'x'.repeat(300) })];
    prove(a);
    prove(b);
    expect(claimsOf(check(a))).toEqual({ sub: 'a' });
    // a's check decoded a itself and left b's bytes where they wait.
    expect(decodedSegmentsOf(b)).toBeDefined();
    expect(claimsOf(check(b))).toEqual({ sub: 'b', padding: 'x'.repeat(300) });
    expect(decodedSegmentsOf(b)).toBeUndefined();
  });

  it("never lend one token's signature or payload to another", async () => {
    const [a, b] = [await sign({ sub: 'a' }), await sign({ sub: 'b' })];
    const [aHead, aPayload] = a.split('.');
    const bSignature = b.split('.')[2];
    // a's header and payload with b's signature, checked right after a was proven: a's bytes wait in the
    // buffer, but they are not this token's.
    const spliced = `${aHead}.${aPayload}.${bSignature}`;
    prove(a);
    expect(check(spliced)).toEqual({ valid: false });
    // The same the other way round: a's signature over another payload.
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url');
    prove(a);
    expect(check(`${aHead}.${forgedPayload}.${a.split('.')[2]}`)).toEqual({ valid: false });
    // And the proven token itself still verifies afterwards.
    prove(a);
    expect(claimsOf(check(a))).toEqual({ sub: 'a' });
  });

  it('serve an equal copy of the proven token, and only once', async () => {
    const token = await sign({ sub: 'c' });
    prove(token);
    const copy = Buffer.from(token, 'latin1').toString('latin1');
    expect(claimsOf(check(copy))).toEqual({ sub: 'c' });
    expect(decodedSegmentsOf(token)).toBeUndefined();
    // Taken and wiped by that check: the next check of the same token decodes it itself.
    expect(claimsOf(check(token))).toEqual({ sub: 'c' });
  });

  it('are refused with a tampered signature as the decoding path refuses it', async () => {
    const token = await sign({ sub: 'd' });
    const [head, payload, signature] = token.split('.');
    const flipped = `${head}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    prove(flipped);
    expect(check(flipped)).toEqual({ valid: false });
    expect(check(flipped)).toEqual({ valid: false });
  });

  it('are wiped by a microtask that is no async resource: nothing per request for async hooks', async () => {
    // Node's queueMicrotask wraps each callback in an AsyncResource: an init and a destroy event for every
    // request in an application that enables async hooks (tracing, AsyncLocalStorage), and a hidden class
    // whose death at each full collection discards the proof's optimized code.
    const token = await sign({ sub: 'e' });
    const types: string[] = [];
    const hook = createHook({ init: (_id, type) => void types.push(type) }).enable();
    try {
      prove(token);
      expect(decodedSegmentsOf(token)).toBeDefined();
      await Promise.resolve();
      expect(decodedSegmentsOf(token)).toBeUndefined();
    } finally {
      hook.disable();
    }
    expect(types).not.toContain('Microtask');
  });
});
