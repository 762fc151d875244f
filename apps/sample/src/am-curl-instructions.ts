/** Copy-paste commands for the Access Management routes; `mint` is `node …/mint-am-token.js`. */
export function amCurlInstructions(apiUrl: string, mint: string): string {
  const call = (token: string, path: string) =>
    `curl -i -H "Authorization: Bearer $${token}" ${apiUrl}${path}`;
  return [
    '# Access Management-shaped tokens, minted with the demo keys of apps/sample/keys:',
    '',
    '# A1. A signed token (RS256, no kid), verified with the keystore certificate (200, "trackingId"):',
    `AM_SIGNED=$(${mint} --kind signed --scope read)`,
    call('AM_SIGNED', '/rs-stateless-signed-keystore'),
    '',
    '# A2. The same claims as a refresh token (401 invalid_token, "code":"token_type_invalid"):',
    `AM_REFRESH=$(${mint} --kind signed --scope read --refresh)`,
    call('AM_REFRESH', '/rs-stateless-signed-keystore'),
    '',
    '# A3. An encrypted token (dir + A128CBC-HS256), decrypted with the shared AES key (200):',
    `AM_ENCRYPTED=$(${mint} --kind encrypted --scope read)`,
    call('AM_ENCRYPTED', '/rs-stateless-encrypted'),
    '',
    '# A4. An encrypted refresh token (401 invalid_token, "code":"token_type_invalid"):',
    `AM_ENCRYPTED_REFRESH=$(${mint} --kind encrypted --scope read --refresh)`,
    call('AM_ENCRYPTED_REFRESH', '/rs-stateless-encrypted'),
  ].join('\n');
}
