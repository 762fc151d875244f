import { describe, expect, it } from 'vitest';
import { curlInstructions } from '../src/curl-instructions.js';

const API = 'http://127.0.0.1:9401';

function stepNumbers(text: string): number[] {
  return [...text.matchAll(/^# (\d+)\. /gm)].map((match) => Number(match[1]));
}

describe('curlInstructions', () => {
  it('walks the embedded flow through revocation and eviction', () => {
    const text = curlInstructions({
      apiUrl: API,
      audience: API,
      tokenEndpoint: { url: 'http://127.0.0.1:9400/token', clientId: 'sample-client', clientSecret: 'S' },
      introspection: { resource: `${API}/opaque`, revocationUrl: 'http://127.0.0.1:9400/token/revocation' },
    });
    expect(stepNumbers(text)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(text).toContain(`-d resource=${API}/opaque http://127.0.0.1:9400/token`);
    expect(text).toContain(
      'curl -i -u sample-client:S -d "token=$OPAQUE" http://127.0.0.1:9400/token/revocation',
    );
    expect(text).toContain(`curl -s -w '\\n' -d "token=$OPAQUE" ${API}/admin/evict`);
  });

  it('leaves the token and the revocation to an external server', () => {
    const text = curlInstructions({ apiUrl: API, audience: 'api', introspection: { resource: 'api' } });
    expect(stepNumbers(text)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(text).toContain('OPAQUE=...');
    expect(text).not.toContain('/token/revocation');
  });

  it('stops after the JWT routes without introspection', () => {
    const text = curlInstructions({ apiUrl: API, audience: 'api' });
    expect(stepNumbers(text)).toEqual([1, 2, 3, 4, 5]);
    expect(text).not.toContain('OPAQUE');
  });
});
