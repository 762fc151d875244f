// Benchmark: what one authenticated request costs in @rs/core, against two baselines measured in the
// same run on the same token and key: a raw node:crypto signature check (the floor) and jose's
// jwtVerify alone (what the pipeline is built on). Prints ops/s and ratios; asserts nothing.
//
//   node packages/core/bench/jwt-pipeline.bench.mjs        (after `pnpm --filter @rs/core build`)
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createResourceServer, jwtResolver, staticJwks } from '../dist/index.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 4000);
const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';

async function measure(name, fn) {
  for (let i = 0; i < Math.min(500, ITERATIONS); i++) await fn(); // warm-up: JIT and key import caches
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, opsPerSecond: ITERATIONS / seconds, microsPerOp: (seconds / ITERATIONS) * 1e6 };
}

async function benchAlgorithm(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'u', client_id: 'c', scope: 'read write', jti: 'j', iat: now })
    .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(now + 3600)
    .sign(privateKey);

  const [encodedHeader, encodedPayload, encodedSignature] = token.split('.');
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const signature = Buffer.from(encodedSignature, 'base64url');
  const keyObject = createPublicKey({ key: jwk, format: 'jwk' });
  const nodeOptions = alg.startsWith('ES') ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject;
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;

  const rs = createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [jwk] }),
      profile: 'rfc9068',
    }),
    policy: { scopes: ['read'] },
  });
  const request = {
    method: 'GET',
    url: 'https://api.bench.test/items',
    headers: { authorization: `Bearer ${token}` },
  };
  const check = await rs.authenticate(request);
  if (!check.ok) throw new Error(`benchmark token refused: ${check.rejection.code}`);

  const floor = await measure('node:crypto verify', async () => {
    if (!nodeVerify(hash, signingInput, nodeOptions, signature)) throw new Error('bad');
  });
  const jose = await measure('jose jwtVerify', () =>
    jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE }),
  );
  const pipeline = await measure('@rs authenticate()', () => rs.authenticate(request));
  return { alg, rows: [floor, jose, pipeline] };
}

console.log(`@rs/core JWT pipeline benchmark: ${ITERATIONS} iterations per row, node ${process.version}`);
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const { rows } = await benchAlgorithm(alg);
  const floor = rows[0].opsPerSecond;
  const jose = rows[1].opsPerSecond;
  console.log(`\n${alg}`);
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(22)} ${row.opsPerSecond.toFixed(0).padStart(8)} ops/s  ${row.microsPerOp.toFixed(1).padStart(7)} µs/op` +
        `  ×${(row.opsPerSecond / floor).toFixed(2)} of node:crypto  ×${(row.opsPerSecond / jose).toFixed(2)} of jose`,
    );
  }
}
