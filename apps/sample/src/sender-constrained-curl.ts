import {
  DEFAULT_CERTIFICATE_HEADER,
  DPOP_PATH,
  MTLS_CERTIFICATE_PATH,
  MTLS_HEADER_PATH,
} from './sender-constrained-routes.js';

/** What the sender-constrained commands need; secrets appear only inside the commands. */
export interface SenderConstrainedCurlTarget {
  readonly apiUrl: string;
  /** The https API serving `/mtls-certificate`. */
  readonly tlsApiUrl: string;
  /** The resource indicator the JWT routes accept. */
  readonly resource: string;
  readonly tokenUrl: string;
  /** The token endpoint on the authorization server's https listener, which reads the client certificate. */
  readonly mtlsTokenUrl: string;
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  readonly mtlsClient: { readonly clientId: string; readonly clientSecret: string };
  /** The demo certificates: the servers' (`--cacert`), and the client's with its key. */
  readonly serverCertPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** `node …/dpop-proof.js`. */
  readonly dpopProof: string;
}

const ACCESS_TOKEN = `node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;
// Escapes PEM as nginx's $ssl_client_escaped_cert does (every character outside unreserved ones).
const URL_ENCODE = `node -pe 'encodeURIComponent(require("fs").readFileSync(0, "utf8"))'`;

/** Copy-paste commands for `/mtls-certificate`, `/mtls-header` and `/dpop`. */
export function senderConstrainedCurl(target: SenderConstrainedCurlTarget): string {
  const { serverCertPath: ca, clientCertPath: cert, clientKeyPath: key } = target;
  const form = `-d grant_type=client_credentials -d scope=read -d resource=${target.resource}`;
  const mtls = `${target.mtlsClient.clientId}:${target.mtlsClient.clientSecret}`;
  const basic = `${target.client.clientId}:${target.client.clientSecret}`;
  const dpopApi = `${target.apiUrl}${DPOP_PATH}`;
  return [
    '# Sender-constrained tokens (demo certificates generated at start-up):',
    '',
    '# S1. A certificate-bound token (cnf.x5t#S256), asked for over TLS with the client certificate:',
    `MTLS_TOKEN=$(curl -s --cacert ${ca} --cert ${cert} --key ${key} -u '${mtls}' ${form} ${target.mtlsTokenUrl} | ${ACCESS_TOKEN})`,
    '',
    '# S2. Presented with the same certificate on the https listener (200):',
    `curl -i --cacert ${ca} --cert ${cert} --key ${key} -H "Authorization: Bearer $MTLS_TOKEN" ${target.tlsApiUrl}${MTLS_CERTIFICATE_PATH}`,
    '',
    '# S3. Without the certificate (401 invalid_token, "code":"certificate_missing"):',
    `curl -i --cacert ${ca} -H "Authorization: Bearer $MTLS_TOKEN" ${target.tlsApiUrl}${MTLS_CERTIFICATE_PATH}`,
    '',
    `# S4. Behind a TLS-terminating proxy: the certificate in ${DEFAULT_CERTIFICATE_HEADER}, as nginx forwards`,
    '#     $ssl_client_escaped_cert (trusted from loopback only) (200):',
    `curl -i -H "Authorization: Bearer $MTLS_TOKEN" -H "${DEFAULT_CERTIFICATE_HEADER}: $(${URL_ENCODE} < ${cert})" ${target.apiUrl}${MTLS_HEADER_PATH}`,
    '',
    '# S5. A DPoP-bound token (cnf.jkt): the key is made in dpop-key.json on first use:',
    `DPOP_TOKEN=$(curl -s -u '${basic}' -H "DPoP: $(${target.dpopProof} POST ${target.tokenUrl})" ${form} ${target.tokenUrl} | ${ACCESS_TOKEN})`,
    '',
    '# S6. Presented with a fresh proof for this request (200, "scheme":"DPoP"):',
    `curl -i -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $(${target.dpopProof} GET ${dpopApi} "$DPOP_TOKEN")" ${dpopApi}`,
    '',
    '# S7. The same proof twice: the second is a replay (401 invalid_dpop_proof, "code":"dpop_replayed"):',
    `PROOF=$(${target.dpopProof} GET ${dpopApi} "$DPOP_TOKEN")`,
    `curl -s -o /dev/null -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $PROOF" ${dpopApi}`,
    `curl -i -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $PROOF" ${dpopApi}`,
    '',
    '# S8. The DPoP-bound token as a Bearer token (401 invalid_token):',
    `curl -i -H "Authorization: Bearer $DPOP_TOKEN" ${dpopApi}`,
  ].join('\n');
}
