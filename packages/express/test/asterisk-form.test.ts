// `OPTIONS *` (RFC 9112 §3.2.4) names the server as a whole: its target URI is the scheme and authority
// with an empty path (RFC 9112 §3.3), and a DPoP proof for it carries that as `htu`. The `*` was pasted
// after the host (`https://api.example.test*`), so such a proof was refused and one for that URL of no
// server accepted. Real Express servers (5 and 4) on loopback, real proofs.
import { type DpopKey, generateDpopKey, sendRawHttp1, type TestIssuer, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

const PUBLIC_URL = 'https://api.example.test/v1';

let fixture: TestIssuer;
let key: DpopKey;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  key = await generateDpopKey();
  token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
});
afterEach(closeAll);

/** `OPTIONS * HTTP/1.1` (or another method) on a socket of its own; the status line's code. */
const asterisk = (port: number, headers: Record<string, string>, method = 'OPTIONS'): Promise<number> =>
  sendRawHttp1(port, `${method} * HTTP/1.1`, headers);

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('OPTIONS *: accepts a proof for the origin of the public URL, refuses one for a URL with the `*`', async () => {
    const app = express();
    const rs = createExpressResourceServer({ ...fixture.options({ dpop: true }), publicUrl: PUBLIC_URL });
    app.use(rs.protect(), (req: Request, res: Response) => {
      res.json({ subject: rs.contextOf(req)?.subject });
    });
    const port = Number(new URL((await serve(app)).url).port);
    const withProof = async (htu: string) =>
      asterisk(port, { authorization: `DPoP ${token}`, dpop: await key.proof('OPTIONS', htu, token) });
    for (const htu of ['https://api.example.test', 'https://api.example.test/'])
      expect(await withProof(htu), htu).toBe(200);
    for (const htu of ['https://api.example.test/v1*', 'https://api.example.test*', PUBLIC_URL])
      expect(await withProof(htu), htu).toBe(401);
    // Node's HTTP/1.1 parser lets `GET *` through: it must not take a proof made for `GET /`.
    for (const htu of ['https://api.example.test', 'https://api.example.test/', `${PUBLIC_URL}/`]) {
      const proof = await key.proof('GET', htu, token);
      expect(await asterisk(port, { authorization: `DPoP ${token}`, dpop: proof }, 'GET'), htu).toBe(401);
    }
  });
});
