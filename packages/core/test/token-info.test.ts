import { describe, expect, it } from 'vitest';
import { tokenInfoFromClaims } from '../src/index.js';

describe('tokenInfoFromClaims', () => {
  it('normalizes the registered claims', () => {
    const claims = {
      iss: 'https://as',
      sub: 'user',
      client_id: 'client',
      aud: 'api',
      scope: 'read write',
      exp: 2,
      iat: 1,
      nbf: 1,
      jti: 'id',
      cnf: { jkt: 'thumb' },
    };
    expect(tokenInfoFromClaims(claims, 'jwt')).toEqual({
      source: 'jwt',
      claims,
      subject: 'user',
      clientId: 'client',
      issuer: 'https://as',
      audience: ['api'],
      scopes: new Set(['read', 'write']),
      expiresAt: 2,
      issuedAt: 1,
      notBefore: 1,
      tokenId: 'id',
      confirmation: { jkt: 'thumb' },
    });
  });

  it.each([
    [{ scope: 'a b  c ' }, ['a', 'b', 'c']],
    [{ scope: ['a', 'b'] }, ['a', 'b']],
    [{ scp: ['a', 'b'] }, ['a', 'b']],
    [{ scp: 'a b' }, ['a', 'b']],
    [{ scope: 'a', scp: ['b'] }, ['a']],
    [{ scope: '' }, []],
    [{ scope: ['a', 1, '', null] }, ['a']],
    [{ scope: { a: true } }, []],
    [{}, []],
  ])('reads scopes from %j', (claims, scopes) => {
    expect([...tokenInfoFromClaims(claims, 'jwt').scopes]).toEqual(scopes);
  });

  it('takes azp when client_id is absent, and ignores values of the wrong type', () => {
    const info = tokenInfoFromClaims(
      { azp: 'authorized-party', sub: 7, iss: ['x'], aud: ['a', 3, 'b'], exp: '5', jti: 1, cnf: [] },
      'jwt',
    );
    expect(info.clientId).toBe('authorized-party');
    expect(info.subject).toBeUndefined();
    expect(info.issuer).toBeUndefined();
    expect(info.audience).toEqual(['a', 'b']);
    expect(info.expiresAt).toBeUndefined();
    expect(info.tokenId).toBeUndefined();
    expect(info.confirmation).toBeUndefined();
  });
});
