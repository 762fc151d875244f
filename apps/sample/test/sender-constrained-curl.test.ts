import { describe, expect, it } from 'vitest';
import { senderConstrainedCurl } from '../src/sender-constrained-curl.js';

const target = {
  apiUrl: 'http://127.0.0.1:9401',
  tlsApiUrl: 'https://127.0.0.1:9443',
  resource: 'http://127.0.0.1:9401',
  tokenUrl: 'http://127.0.0.1:9400/token',
  mtlsTokenUrl: 'https://127.0.0.1:9444/token',
  client: { clientId: 'sample-client', clientSecret: 's1' },
  mtlsClient: { clientId: 'sample-mtls-client', clientSecret: 's2' },
  serverCertPath: '/tmp/t/server.pem',
  clientCertPath: '/tmp/t/client.pem',
  clientKeyPath: '/tmp/t/client.key',
  dpopProof: 'node dist/dpop-proof.js',
};

describe('senderConstrainedCurl', () => {
  const text = senderConstrainedCurl(target);

  it('asks for the certificate-bound token over TLS with the client certificate', () => {
    expect(text).toContain(
      "--cert /tmp/t/client.pem --key /tmp/t/client.key -u 'sample-mtls-client:s2' -d grant_type=client_credentials",
    );
    expect(text).toContain('https://127.0.0.1:9444/token');
  });

  it('calls the three routes', () => {
    expect(text).toContain('https://127.0.0.1:9443/mtls-certificate');
    expect(text).toContain('x-client-cert: $(');
    expect(text).toContain('http://127.0.0.1:9401/mtls-header');
    expect(text).toContain(
      '-H "DPoP: $(node dist/dpop-proof.js GET http://127.0.0.1:9401/dpop "$DPOP_TOKEN")"',
    );
    expect(text).toContain('DPoP: $(node dist/dpop-proof.js POST http://127.0.0.1:9400/token)');
  });
});
