import { mintAmToken } from './am-tokens.js';
import { MINT_USAGE, MintUsageError, parseMintArgs } from './mint-args.js';

/**
 * `node apps/sample/dist/mint-am-token.js --kind signed|encrypted --scope read`: prints a token shaped like
 * an Access Management client-based access token, for the routes /rs-stateless-signed-keystore and
 * /rs-stateless-encrypted. Only the token goes to stdout, so `TOKEN=$(…)` captures it.
 */
try {
  process.stdout.write(`${await mintAmToken(parseMintArgs(process.argv.slice(2)))}\n`);
} catch (error) {
  if (error instanceof MintUsageError) {
    console.error(`mint-am-token: ${error.message}\n${MINT_USAGE}`);
    process.exit(2);
  }
  console.error('mint-am-token: failed:', error);
  process.exit(1);
}
