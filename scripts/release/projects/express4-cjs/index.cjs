// Express 4, CommonJS: require() of the published @rs/express and @rs/core.
const assert = require('node:assert/strict');
const { jwtResolver, remoteJwks } = require('@rs/core');
const { createExpressResourceServer } = require('@rs/express');
const express = require('express');

const { RS_ISSUER, RS_AUDIENCE, RS_JWKS_URL, RS_TOKEN } = process.env;
const rs = createExpressResourceServer({
  resolver: jwtResolver({
    issuer: RS_ISSUER,
    audience: RS_AUDIENCE,
    keys: remoteJwks({ url: RS_JWKS_URL }),
    profile: 'rfc9068',
  }),
  realm: 'api',
  requireHttps: false,
});
const app = express();
app.get('/items', rs.protect({ scopes: ['read'] }), (req, res) => {
  res.json({ owner: req.oauth2.subject });
});

const server = app.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}/items`;
  try {
    const accepted = await fetch(url, { headers: { authorization: `Bearer ${RS_TOKEN}` } });
    assert.equal(accepted.status, 200);
    assert.deepEqual(await accepted.json(), { owner: 'alice' });
    const refused = await fetch(url);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate'), /^Bearer realm="api"/);
    console.log(
      `express ${require('express/package.json').version} (CommonJS): 200 with a token, 401 without`,
    );
  } finally {
    server.close();
  }
});
