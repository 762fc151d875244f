// What every project must answer, whatever peer version is installed: 200 with a valid token, 401 without
// one with core's exact challenge, 403 with a valid token that lacks the route's scope.
import assert from 'node:assert/strict';

export const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

/** Sends the three requests through `send` (a URL fetch or an in-process call) and checks each answer. */
export async function expectDecisions(
  send: (headers: Record<string, string>) => Promise<Response>,
): Promise<void> {
  const accepted = await send({ authorization: `Bearer ${env('RS_TOKEN')}` });
  assert.equal(accepted.status, 200, `valid token: ${accepted.status} ${await accepted.clone().text()}`);
  assert.deepEqual(await accepted.json(), { owner: 'alice' });

  const missing = await send({});
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="api"');

  const insufficient = await send({ authorization: `Bearer ${env('RS_TOKEN_WITHOUT_SCOPE')}` });
  assert.equal(insufficient.status, 403);
  assert.equal(
    insufficient.headers.get('www-authenticate'),
    'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a scope this request requires", scope="read"',
  );
}
