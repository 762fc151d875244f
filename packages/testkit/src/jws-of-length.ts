/**
 * A compact JWS of exactly `length` characters, for tests of a documented size limit at the limit and one
 * past it: `make(pad, variant)` signs one whose padding claim holds `pad` characters; `variant` (0 to 2)
 * changes the length of another member (a `kid`, say), for the lengths base64url cannot reach by padding
 * alone. Throws when no such JWS is found.
 *
 * @example
 * ```ts
 * const token = await jwsOfLength(16_384, (pad, variant) =>
 *   issuer.sign({ pad: 'x'.repeat(pad) }, { kid: `${kid}${'-'.repeat(variant)}` }),
 * );
 * ```
 */
export async function jwsOfLength(
  length: number,
  make: (pad: number, variant: number) => Promise<string>,
): Promise<string> {
  const bare = (await make(0, 0)).length;
  for (let pad = Math.max(0, Math.floor(((length - bare) * 3) / 4) - 6); pad < length; pad++) {
    for (let variant = 0; variant < 3; variant++) {
      const token = await make(pad, variant);
      if (token.length === length) return token;
      if (variant === 0 && token.length > length + 8) throw new Error(`no JWS of ${length} characters`);
    }
  }
  throw new Error(`no JWS of ${length} characters`);
}
