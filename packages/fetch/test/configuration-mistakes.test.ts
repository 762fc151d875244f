import { configRefusal, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFetchResourceServer } from '../src/index.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});

describe('mistakes refused when the resource server is built', () => {
  it.each([
    [{ maxFormBodySize: 1024 }, 'maxFormBodySize', 'maxFormBodyBytes'],
    [{ publicURL: 'https://api.example.com' }, 'publicURL', 'publicUrl'],
    [{ requireHTTPS: false }, 'requireHTTPS', 'requireHttps'],
  ])('refuses the misspelled option %o, naming the nearest one', (mistake, option, nearest) => {
    const error = configRefusal(() =>
      createFetchResourceServer({ ...fixture.options(), ...(mistake as object) }),
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(`did you mean "${nearest}"?`);
  });

  it('refuses a negative maxFormBodyBytes', () => {
    expect(
      configRefusal(() => createFetchResourceServer({ ...fixture.options(), maxFormBodyBytes: -1 })).option,
    ).toBe('maxFormBodyBytes');
  });

  it('refuses protect(handler, { scope }) when protect is called', () => {
    const rs = createFetchResourceServer(fixture.options());
    const error = configRefusal(() => rs.protect(() => new Response('ok'), { scope: ['write'] } as never));
    expect(error.option).toBe('protect.policy.scope');
    expect(error.message).toContain('did you mean "scopes"?');
  });

  it('refuses a plain-http publicUrl off loopback while https is required: every request would be refused', () => {
    const { resolver } = fixture;
    const build = (options: object) => () => createFetchResourceServer({ resolver, ...options });
    const refusal = configRefusal(build({ publicUrl: 'http://api.example.com' }));
    expect(refusal.option).toBe('publicUrl');
    expect(refusal.message).toContain('requireHttps: false');
    expect(build({ publicUrl: 'http://localhost:8787' })).not.toThrow();
    expect(build({ publicUrl: 'http://api.internal', requireHttps: false })).not.toThrow();
  });

  it('refuses DPoP without publicUrl', () => {
    expect(configRefusal(() => createFetchResourceServer(fixture.options({ dpop: true }))).option).toBe(
      'publicUrl',
    );
  });

  it('with publicUrl, compares htu with it and not with the URL the request arrived on', async () => {
    const rs = createFetchResourceServer({
      ...fixture.options({ dpop: true }),
      publicUrl: 'https://api.example.com',
    });
    const key = await generateDpopKey();
    const token = await fixture.mint({ cnf: { jkt: key.thumbprint } });
    const handler = rs.protect(() => new Response('ok'));
    const send = async (proofUrl: string) =>
      handler(
        new Request('http://other.example.com/items', {
          headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', proofUrl, token) },
        }),
      );
    expect((await send('https://api.example.com/items')).status).toBe(200);
    const refused = await send('http://other.example.com/items');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'dpop_htu_mismatch' });
  });
});
