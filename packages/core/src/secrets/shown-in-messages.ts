/**
 * What configuration values an error message may repeat. A file path or a secret ID helps whoever reads
 * the message find the mistake, so messages name them; but the commonest mistake with these options is
 * giving the secret itself where its file or its ID belongs (`pemSecretStore({ secrets: { id:
 * process.env.RS_PRIVATE_KEY } })`), and repeating the value would then copy a private key into the logs.
 * So a value is repeated only when it plainly is a path or an ID, and otherwise only its length is given.
 *
 * The rule errs on the side of silence: a real path that looks like key material is merely not shown,
 * while key material that looks like a path would leak. It cannot tell a short password from a file or
 * ID name (`changeit`): such a value is shown.
 */

/**
 * Longest value shown: NAME_MAX on Linux and macOS. Paths in configuration are shorter; key material
 * given in their place (PEM text, a JWK set, a base64 keystore or DER key) is most often longer.
 */
const MAX_SHOWN_LENGTH = 255;

// Line breaks (PEM, pretty-printed JSON), NUL (no path holds one), and characters that could forge or
// hide log lines (other control and bidirectional-format characters, Unicode line separators).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

// PEM armour or JSON (a JWK, a JWK set), perhaps after the white space of a heredoc or a YAML block.
const KEY_TEXT_START = /^\s*(?:-----BEGIN|\{|\[)/;

/**
 * A run of 32 or more letters, digits, `+`, `=`, `-` and `_` (base64url, hex, or base64 between its
 * `/`): a secret of 24 bytes or more in any of these encodings, or a base64 keystore or DER key. File
 * and directory names and IDs are shorter, or broken by dots and slashes. A run is taken as key material
 * only when it mixes letters and digits, as encoded random bytes all but always do and long names such
 * as `stateless-access-token-verification` do not.
 */
const ENCODED_RUN = /[A-Za-z0-9+=_-]{32,}/g;
/**
 * A whole value of 32 or more base64 characters, `/` included: a short base64 secret whose `/` happen
 * to cut it into runs shorter than {@link ENCODED_RUN}'s. Taken as key material unless it starts with
 * `/`, as an absolute path does (`/var/folders/2b/kx8y0l3d5q7g8h9j0k1l2m3n0000gn/T` on macOS).
 */
const BASE64_VALUE = /^[A-Za-z0-9+/=_-]{32,}$/;
const LETTER = /[A-Za-z]/;
const DIGIT = /[0-9]/;

// A secret ID is a name: ForgeRock Identity Gateway's are dotted words (`keystore.pass`,
// `stateless.access.token.verification.key`). Spaces, quotes or punctuation mean text, not a name.
const ID_CHARACTERS = /^[A-Za-z0-9._-]+$/;

function mixesLettersAndDigits(text: string): boolean {
  return LETTER.test(text) && DIGIT.test(text);
}

function looksEncoded(value: string): boolean {
  if (BASE64_VALUE.test(value) && !value.startsWith('/') && mixesLettersAndDigits(value)) return true;
  for (const [run] of value.matchAll(ENCODED_RUN)) if (mixesLettersAndDigits(run)) return true;
  return false;
}

/**
 * Whether `value`, given where a file or directory path belongs, may be repeated in an error message:
 * at most 255 characters, no control or line-break characters, not PEM or JSON text, and nothing that
 * looks like base64 or hex (32 or more such characters, mixing letters and digits).
 *
 * @example
 * ```ts
 * looksLikeFilePath('/etc/rs/keystore.p12'); // true
 * looksLikeFilePath('-----BEGIN PRIVATE KEY-----\nMIGHAgEA…'); // false
 * ```
 */
export function looksLikeFilePath(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= MAX_SHOWN_LENGTH &&
    !UNPRINTABLE.test(value) &&
    !KEY_TEXT_START.test(value) &&
    !looksEncoded(value)
  );
}

/**
 * Whether `value`, given as a secret ID, may be repeated in an error message: a name of at most 255
 * letters, digits, dots, hyphens and underscores, with no long base64/hex run mixing letters and digits.
 */
export function looksLikeSecretId(value: string): boolean {
  return value.length <= MAX_SHOWN_LENGTH && ID_CHARACTERS.test(value) && !looksEncoded(value);
}

/**
 * A file or directory path for an error message: the path itself when it looks like one (see
 * {@link looksLikeFilePath}), otherwise a phrase giving only its length.
 *
 * @example
 * ```ts
 * `cannot read ${filePathInMessage(path)}: ENOENT`;
 * // "cannot read /etc/rs/jwks.json: ENOENT", or "cannot read a value that does not look like a file
 * // path (306 characters, not shown; was key material given in place of its file?): ENOENT"
 * ```
 */
export function filePathInMessage(path: string): string {
  if (looksLikeFilePath(path)) return path;
  return `a value that does not look like a file path (${path.length} characters, not shown; was key material given in place of its file?)`;
}

/**
 * A secret ID for an error message: quoted when it looks like an ID (see {@link looksLikeSecretId}),
 * otherwise a phrase giving only its length.
 *
 * @example
 * ```ts
 * `no secret store knows the secret ID ${secretIdInMessage(secretId)}`;
 * // 'no secret store knows the secret ID "am.signing"', or 'no secret store knows the secret ID given
 * // (36 characters, not shown: it does not look like an ID; was the secret given in place of its ID?)'
 * ```
 */
export function secretIdInMessage(secretId: string): string {
  if (looksLikeSecretId(secretId)) return JSON.stringify(secretId);
  return `given (${secretId.length} characters, not shown: it does not look like an ID; was the secret given in place of its ID?)`;
}

/**
 * A keystore alias for an error message: quoted when it looks like a name (as {@link looksLikeSecretId}
 * has it, spaces inside allowed: keytool takes `-alias "signing key"`), otherwise a phrase giving only its
 * length. An alias is typed next to passwords and keys (`entryPasswords: { [alias]: password }`, written
 * the other way round, or a key given where its alias belongs): such a value is not repeated.
 *
 * @example
 * ```ts
 * `no entry with alias ${aliasInMessage(alias)}`;
 * // 'no entry with alias "signature-key"', or 'no entry with alias given (1704 characters, not shown: it
 * // does not look like an alias; was a password or key given in its place?)'
 * ```
 */
export function aliasInMessage(alias: string): string {
  const spacesInside = alias.length > 0 && alias.trim() === alias ? alias.replace(/ /g, '_') : alias;
  if (spacesInside.length > 0 && looksLikeSecretId(spacesInside)) return JSON.stringify(alias);
  return `given (${alias.length} characters, not shown: it does not look like an alias; was a password or key given in its place?)`;
}
