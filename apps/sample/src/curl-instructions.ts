import { EVICT_PATH } from './admin-routes.js';
import { INTROSPECTION_CACHE_TTL_MS } from './resolvers.js';

/** What the printed instructions need to know; secrets appear only inside the commands. */
export interface CurlTarget {
  readonly apiUrl: string;
  readonly audience: string;
  /** Present when the embedded authorization server runs, so a token can be obtained from it. */
  readonly tokenEndpoint?: TokenEndpoint;
  /** Present when the introspection routes are mounted. */
  readonly introspection?: IntrospectionTarget;
}

interface TokenEndpoint {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

interface IntrospectionTarget {
  /** The resource indicator (or audience) for which the authorization server issues opaque tokens. */
  readonly resource: string;
  /** The embedded server's revocation endpoint, where the token endpoint's client revokes its tokens. */
  readonly revocationUrl?: string;
}

// Reads the token response on stdin with node, so that the commands need no jq.
const ACCESS_TOKEN = `node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;
// Flips the first signature character: the last one may differ only in unused bits and still verify.
const TAMPER =
  `node -pe 'const t=require("fs").readFileSync(0,"utf8"),i=t.lastIndexOf(".")+1;` +
  `t.slice(0,i)+(t[i]==="A"?"B":"A")+t.slice(i+1)'`;

/** Copy-paste shell commands that walk through every outcome of the sample API. */
export function curlInstructions(target: CurlTarget): string {
  const lines: string[] = [];
  let step = 0;
  const say = (text: string) => {
    if (step > 0) lines.push('');
    lines.push(`# ${++step}. ${text}`);
  };
  const call = (token: string, path: string) =>
    `curl -i -H "Authorization: Bearer $${token}" ${target.apiUrl}${path}`;
  const { tokenEndpoint, introspection } = target;

  if (tokenEndpoint) {
    say('Get an access token with scope "read" (client credentials):');
    lines.push(`TOKEN=$(${fetchToken(tokenEndpoint, target.audience, 'read')})`);
  } else {
    say(`Get an access token for audience ${target.audience} from your authorization server, then:`);
    lines.push('TOKEN=...');
  }
  say('Call the protected route (200, with what the token says):');
  lines.push(call('TOKEN', '/rs-stateless-signed'));
  say('Call the admin route without the "admin" scope (403 insufficient_scope):');
  lines.push(call('TOKEN', '/rs-stateless-signed-admin'));
  say('Send the token with its signature tampered with (401 invalid_token):');
  lines.push(`TAMPERED=$(printf %s "$TOKEN" | ${TAMPER})`, call('TAMPERED', '/rs-stateless-signed'));
  say('Send no token at all (401 with a bare challenge):');
  lines.push(`curl -i ${target.apiUrl}/rs-stateless-signed`);
  if (tokenEndpoint) {
    say('Get a token with "read admin" and call the admin route (200):');
    lines.push(
      `ADMIN_TOKEN=$(${fetchToken(tokenEndpoint, target.audience, 'read admin')})`,
      call('ADMIN_TOKEN', '/rs-stateless-signed-admin'),
    );
  }
  if (!introspection) return lines.join('\n');

  if (tokenEndpoint) {
    say(
      `Get an OPAQUE access token: same client, the API's other resource indicator, ${introspection.resource}:`,
    );
    lines.push(`OPAQUE=$(${fetchToken(tokenEndpoint, introspection.resource, 'read')})`);
  } else {
    say(`Get an opaque access token for audience ${introspection.resource} from your authorization server:`);
    lines.push('OPAQUE=...');
  }
  say('Call the introspecting route: the API asks the authorization server (200, "source":"introspection"):');
  lines.push(call('OPAQUE', '/rs-introspect'));
  say(
    'Call the caching route twice: the first call introspects, the second is answered from the cache (200):',
  );
  lines.push(call('OPAQUE', '/rs-introspect-cache'), call('OPAQUE', '/rs-introspect-cache'));
  if (tokenEndpoint && introspection.revocationUrl) {
    say('Revoke the token at the authorization server (200, empty body):');
    lines.push(
      `curl -i -u ${tokenEndpoint.clientId}:${tokenEndpoint.clientSecret} -d "token=$OPAQUE" ` +
        introspection.revocationUrl,
    );
  } else {
    say("Revoke the token at your authorization server's revocation endpoint.");
  }
  say('The introspecting route refuses it at once (401 invalid_token, "code":"token_inactive"):');
  lines.push(call('OPAQUE', '/rs-introspect'));
  say(
    `The caching route still accepts it, from its cache, for up to ${INTROSPECTION_CACHE_TTL_MS / 1000} s (200):`,
  );
  lines.push(call('OPAQUE', '/rs-introspect-cache'));
  say(
    'Evict it from the cache (a demonstration route, loopback only), then call again (401 token_inactive):',
  );
  lines.push(
    // -w: the answer carries no final newline, which would glue it to the shell's prompt.
    `curl -s -w '\\n' -d "token=$OPAQUE" ${target.apiUrl}${EVICT_PATH}`,
    call('OPAQUE', '/rs-introspect-cache'),
  );
  if (tokenEndpoint) {
    say('Send the JWT to the introspecting route (401 invalid_token, "code":"token_unsupported"):');
    lines.push(call('TOKEN', '/rs-introspect'));
  }
  return lines.join('\n');
}

function fetchToken(endpoint: TokenEndpoint, resource: string, scope: string): string {
  return (
    `curl -s -u ${endpoint.clientId}:${endpoint.clientSecret} -d grant_type=client_credentials ` +
    `--data-urlencode "scope=${scope}" -d resource=${resource} ${endpoint.url} | ${ACCESS_TOKEN}`
  );
}
