import { describe, expect, it } from 'vitest';
import { amCurlInstructions } from '../src/am-curl-instructions.js';

describe('amCurlInstructions', () => {
  it('mints with the given command and calls both routes', () => {
    const text = amCurlInstructions('http://127.0.0.1:9401', 'node apps/sample/dist/mint-am-token.js');
    expect(text).toContain('AM_SIGNED=$(node apps/sample/dist/mint-am-token.js --kind signed --scope read)');
    expect(text).toContain('--kind encrypted --scope read --refresh)');
    expect(text).toContain(
      'curl -i -H "Authorization: Bearer $AM_ENCRYPTED" http://127.0.0.1:9401/rs-stateless-encrypted',
    );
    expect(text.match(/^curl /gm)).toHaveLength(4);
  });
});
