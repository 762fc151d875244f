/** What the printed instructions need to know; secrets appear only inside the commands. */
export interface CurlTarget {
  readonly apiUrl: string;
  readonly audience: string;
  /** Present when the embedded authorization server runs, so a token can be obtained from it. */
  readonly tokenEndpoint?: TokenEndpoint;
}

interface TokenEndpoint {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

// Reads the token response on stdin with node, so that the commands need no jq.
const ACCESS_TOKEN = `node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;
// Flips the first signature character: the last one may differ only in unused bits and still verify.
const TAMPER =
  `node -pe 'const t=require("fs").readFileSync(0,"utf8"),i=t.lastIndexOf(".")+1;` +
  `t.slice(0,i)+(t[i]==="A"?"B":"A")+t.slice(i+1)'`;

/** Copy-paste shell commands that walk through every outcome of the sample API. */
export function curlInstructions(target: CurlTarget): string {
  const { apiUrl, tokenEndpoint } = target;
  const call = (token: string, path: string) =>
    `curl -i -H "Authorization: Bearer $${token}" ${apiUrl}${path}`;
  const lines = tokenEndpoint
    ? [
        '# 1. Get an access token with scope "read" (client credentials):',
        `TOKEN=$(${fetchToken(tokenEndpoint, target.audience, 'read')})`,
      ]
    : [
        `# 1. Get an access token for audience ${target.audience} from your authorization server, then:`,
        'TOKEN=...',
      ];
  lines.push(
    '',
    '# 2. Call the protected route (200, with what the token says):',
    call('TOKEN', '/rs-stateless-signed'),
    '',
    '# 3. Call the admin route without the "admin" scope (403 insufficient_scope):',
    call('TOKEN', '/rs-stateless-signed-admin'),
    '',
    '# 4. Send the token with its signature tampered with (401 invalid_token):',
    `TAMPERED=$(printf %s "$TOKEN" | ${TAMPER})`,
    call('TAMPERED', '/rs-stateless-signed'),
    '',
    '# 5. Send no token at all (401 with a bare challenge):',
    `curl -i ${apiUrl}/rs-stateless-signed`,
  );
  if (tokenEndpoint) {
    lines.push(
      '',
      '# 6. Get a token with "read admin" and call the admin route (200):',
      `ADMIN_TOKEN=$(${fetchToken(tokenEndpoint, target.audience, 'read admin')})`,
      call('ADMIN_TOKEN', '/rs-stateless-signed-admin'),
    );
  }
  return lines.join('\n');
}

function fetchToken(endpoint: TokenEndpoint, resource: string, scope: string): string {
  return (
    `curl -s -u ${endpoint.clientId}:${endpoint.clientSecret} -d grant_type=client_credentials ` +
    `--data-urlencode "scope=${scope}" -d resource=${resource} ${endpoint.url} | ${ACCESS_TOKEN}`
  );
}
