import { describe, expect, it } from 'vitest';
import { refuseTrustedProxiesWithoutPeer } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, RsConfigError, sharedSecret } from '../../src/index.js';

// An adapter whose requests carry no peer address refuses a certificate header trusted from listed proxies:
// no request could match the list, and every one carrying the header would be refused.
const resolver = jwtResolver({
  issuer: 'https://as.example.com',
  audience: 'https://api.example.com',
  keys: sharedSecret('a shared secret of at least thirty-two bytes!'),
});
const header = { name: 'x-client-cert-7f3a', format: 'pem' as const };

function refusal(run: () => void): RsConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof RsConfigError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('refuseTrustedProxiesWithoutPeer', () => {
  it('refuses the list in the options, whatever it holds, and on a built server', () => {
    for (const trustedProxies of [['10.0.0.0/8'], [], undefined]) {
      const error = refusal(() =>
        refuseTrustedProxiesWithoutPeer(
          { options: { resolver, certificateHeader: { ...header, trustedProxies } } },
          '@rs/example',
          'an example request',
        ),
      );
      expect(error.option).toBe('certificateHeader.trustedProxies');
      expect(error.problem).toContain('@rs/example: an example request carries no peer address');
    }
    const listed = createResourceServer({
      resolver,
      certificateHeader: { ...header, trustedProxies: ['10.0.0.0/8'] },
    });
    expect(listed.certificateHeaderTrustedProxies).toBe(true);
    refusal(() => refuseTrustedProxiesWithoutPeer({ resourceServer: listed }, '@rs/example', 'a request'));
  });

  it('lets a header trusted from every peer, no header, and other options through', () => {
    const everyPeer = createResourceServer({ resolver, certificateHeader: header });
    refuseTrustedProxiesWithoutPeer(
      { options: { resolver, certificateHeader: header }, resourceServer: everyPeer },
      '@rs/example',
      'a request',
    );
    refuseTrustedProxiesWithoutPeer(
      { options: { resolver }, resourceServer: createResourceServer({ resolver }) },
      '@rs/example',
      'a request',
    );
    refuseTrustedProxiesWithoutPeer({ options: 'not options' }, '@rs/example', 'a request');
  });
});
