import { RsConfigError } from '../config/config-error.js';
import { exactName } from '../config/option-schema.js';
import { looksLikeSecretId, secretIdInMessage } from './shown-in-messages.js';

// What may surround or break a name by mistake: white space (a line break pasted from a file, a quoting
// space) and control characters.
const STRAY = /[\s\p{Cc}]/gu;
const UNPRINTABLE_ASCII = /[^\x20-\x7e]/g;

/**
 * Refuses a secret ID given as the key of a store's record (`sharedSecrets({ id: … })`, `pemSecretStore`'s
 * `secrets`) that no resolver could ask for, by {@link exactName}'s rule, the one the option schemas
 * apply to mapped secret IDs, kids and suffixes: empty, white space at either end, or a control character.
 * The ID is shown escaped (`"am.hmac\n"`) when, stray characters aside, it looks like an ID; otherwise
 * only its length, as {@link secretIdInMessage} does.
 */
export function requireExactSecretId(secretId: string, option: string): void {
  try {
    exactName.check(secretId, option);
  } catch (error) {
    if (!(error instanceof RsConfigError)) throw error;
    throw new RsConfigError(option, `the secret ID ${shownName(secretId)} ${error.problem}`);
  }
}

function shownName(name: string): string {
  const visible = name.replace(STRAY, '');
  if (visible !== '' && !looksLikeSecretId(visible)) return secretIdInMessage(name);
  // Escaped to ASCII, so the stray characters show and none of them reaches the log as itself.
  return JSON.stringify(name).replace(
    UNPRINTABLE_ASCII,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
