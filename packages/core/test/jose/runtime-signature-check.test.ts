// Which signature path `signatureVerifier: 'auto'` takes, per entry point: the Node build of the main
// entry (the `node` export condition) installs the node:crypto one; the portable entry, which Workers
// and browsers bundle, leaves jose's. Each case loads fresh modules, so the suite's setup file
// (test/runtime-signature-setup.ts) does not decide the answer.
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, expectFailure, expectSuccess, ISSUER, mint, resolveAt } from '../helpers.js';

async function freshEntry(entry: string) {
  vi.resetModules();
  const api = (await import(entry)) as typeof import('../../src/index.js');
  const { runtimeSignatureCheck } = await import('../../src/jose/runtime-signature-check.js');
  const { nodeSignatureCheck } = await import('../../src/jose/node-signature-check.js');
  const { compactJwsSpellingProof } = await import('../../src/encoding/compact-jws-spelling.js');
  const { nodeCompactJwsSpellingProof } = await import('../../src/encoding/node-compact-jws-spelling.js');
  return {
    api,
    runtimeSignatureCheck,
    nodeSignatureCheck,
    compactJwsSpellingProof,
    nodeCompactJwsSpellingProof,
  };
}

afterEach(() => {
  vi.resetModules();
});

describe("the signature path of signatureVerifier: 'auto'", () => {
  it('is node:crypto in the Node build of the main entry', async () => {
    const { runtimeSignatureCheck, nodeSignatureCheck } = await freshEntry('../../src/index.node.js');
    expect(nodeSignatureCheck).toBeTypeOf('function');
    expect(runtimeSignatureCheck()).toBe(nodeSignatureCheck);
  });

  it('comes with the Node proof of the compact JWS spelling, which the portable entry leaves out', async () => {
    const node = await freshEntry('../../src/index.node.js');
    expect(node.nodeCompactJwsSpellingProof).toBeTypeOf('function');
    expect(node.compactJwsSpellingProof()).toBe(node.nodeCompactJwsSpellingProof);
    const portable = await freshEntry('../../src/index.js');
    expect(portable.compactJwsSpellingProof()).toBeUndefined();
  });

  it("is jose's in the portable entry, which accepts and refuses tokens all the same", async () => {
    const { api, runtimeSignatureCheck } = await freshEntry('../../src/index.js');
    expect(runtimeSignatureCheck()).toBeUndefined();
    const key = await generateSigningKey('RS256', 'k1');
    const resolver = api.jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: api.staticJwks(jwksOf(key)),
    });
    const token = await mint(key);
    expect(expectSuccess(await resolveAt(resolver, token)).issuer).toBe(ISSUER);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(342)}`;
    expectFailure(await resolveAt(resolver, forged), 'signature_invalid');
  });
});
