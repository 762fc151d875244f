import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLambdaResourceServer } from '../src/index.js';
import { httpApiAuthorizerEvent, tokenAuthorizerEvent } from './fixtures/authorizer-events.js';

// A claim is a JSON member name: `__proto__` is one like any other (JSON.parse makes it an own member). As
// an authorizer context entry set by assignment, it would set the context's prototype instead, and the
// claim would silently not reach the integration.
let issuer: TestIssuer;
let token: string;
beforeAll(async () => {
  issuer = await testIssuer();
  token = await issuer.mint(
    JSON.parse('{"sub":"alice","__proto__":"tenant-x","constructor":"c","toString":{"a":1}}'),
  );
});

const rsOf = () => createLambdaResourceServer({ resolver: issuer.resolver, realm: 'api' });

describe('authorizer context: claims named as members of Object.prototype', () => {
  it('passes a "__proto__" claim as an entry of its own, and changes no prototype', async () => {
    const rest = await rsOf().restAuthorizer()(tokenAuthorizerEvent(`Bearer ${token}`));
    expect(rest.context?.sub).toBe('alice');
    const simple = await rsOf().httpApiAuthorizer({
      contextClaims: ['__proto__', 'constructor', 'toString'],
    })(httpApiAuthorizerEvent({ authorization: `Bearer ${token}` }));
    for (const context of [rest.context, (simple as { context?: Record<string, unknown> }).context]) {
      expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(context, '__proto__')?.value).toBe('tenant-x');
      expect(Object.hasOwn(context!, 'constructor') && context!.constructor).toBe('c');
      expect(Object.hasOwn(context!, 'toString') && context!.toString).toBe('{"a":1}');
      expect(Object.keys(JSON.parse(JSON.stringify(context)))).toContain('__proto__');
    }
  });
});
