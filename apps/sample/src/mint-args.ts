import { parseArgs } from 'node:util';
import type { AmTokenKind, AmTokenOptions } from './am-tokens.js';

export const MINT_USAGE =
  'usage: node apps/sample/dist/mint-am-token.js --kind signed|encrypted [--scope "read admin"]... ' +
  '[--refresh] [--subject "(usr!demo)"] [--lifetime 3600]';

/** A command line the mint command cannot follow, with a message for its user. */
export class MintUsageError extends Error {
  override readonly name = 'MintUsageError';
}

const KINDS: readonly AmTokenKind[] = ['signed', 'encrypted'];

/** The mint command's arguments: `--scope` repeats and holds space-separated scopes, as OAuth writes them. */
export function parseMintArgs(args: readonly string[]): AmTokenOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    throw new MintUsageError(error instanceof Error ? error.message : String(error));
  }
  const kind = KINDS.find((k) => k === values.kind);
  if (kind === undefined) throw new MintUsageError(`--kind must be signed or encrypted`);
  const scopes = (values.scope ?? []).flatMap((scope) => scope.split(' ')).filter((scope) => scope !== '');
  const lifetime = values.lifetime === undefined ? undefined : Number(values.lifetime);
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0)) {
    throw new MintUsageError('--lifetime must be a positive number of seconds');
  }
  return {
    kind,
    scopes,
    ...(values.refresh && { tokenName: 'refresh_token' }),
    ...(values.subject !== undefined && { subject: values.subject }),
    ...(lifetime !== undefined && { lifetimeSeconds: lifetime }),
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    options: {
      kind: { type: 'string' },
      scope: { type: 'string', multiple: true },
      refresh: { type: 'boolean' },
      subject: { type: 'string' },
      lifetime: { type: 'string' },
    },
  });
}
