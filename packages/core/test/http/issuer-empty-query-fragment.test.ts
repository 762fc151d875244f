import { describe, expect, it } from 'vitest';
import { issuerJwks, jwtResolver } from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

// `https://as.example.com/?` and `…/#` parse to a URL with no query and no fragment, so they passed; the
// configured string is then never the issuer its server states (`https://as.example.com/`, compared
// exactly): discovery refused every metadata document and every token, at the first request.
describe('an issuer with an empty query or fragment is refused at start-up', () => {
  it.each([
    ['https://as.example.com/?', 'must have no query'],
    ['https://as.example.com?', 'must have no query'],
    ['https://as.example.com/realms/a#', 'must not have a fragment'],
    ['https://as.example.com/realms/a?#', 'must not have a fragment'],
  ])('%s', (issuer, problem) => {
    expect(expectConfigError(() => issuerJwks({ issuer }), 'issuerJwks.issuer').message).toContain(problem);
    expectConfigError(
      () => jwtResolver({ issuer, audience: 'https://api.example.com' }),
      'jwtResolver.issuer',
    );
  });

  it('still takes a path that holds an escaped ? or #', () => {
    expect(() => issuerJwks({ issuer: 'https://as.example.com/realms/a%3Fb%23c' })).not.toThrow();
  });
});
