import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  isPlainObject,
  nonEmptyString,
  type OptionRule,
  type OptionSchema,
  positiveNumber,
} from '../config/option-schema.js';
import { B64TOKEN } from '../extract/b64token.js';
import type { HttpClient } from '../http/http-client.js';
import { ASYMMETRIC_JWS_ALGORITHMS } from '../keys/algorithms.js';
import type { SecretValue } from '../secrets/secret-value.js';
import { checkClientAssertionKey } from './client-assertion-key.js';
import { type ClientSecretSource, checkCredentialText, clientSecretSource } from './client-secret.js';

/**
 * How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1).
 *
 * - `client_secret_basic`: HTTP Basic with the id and secret form-urlencoded first (RFC 6749 §2.3.1).
 * - `client_secret_post`: `client_id` and `client_secret` in the form.
 * - `private_key_jwt`: a signed client assertion (RFC 7523), made fresh for every request sent, a retry
 *   included: the server may have seen the last one even when its answer was lost.
 * - `tls_client_auth`: a client certificate on the connection; give the HTTP client the certificate
 *   (`undiciHttpClient({ tls: { cert, key } })` from `@rs/core/node`). Only `client_id` goes in the form.
 *   Refused at start-up with the default HTTP client, or an `undiciHttpClient` without `tls.cert`: neither
 *   presents a certificate. The server checks the certificate's subject against the client's registration
 *   (RFC 8705 §2.1).
 * - `self_signed_tls_client_auth`: the same on this side (RFC 8705 §2.2), for a client registered with
 *   its (usually self-signed) certificate or public key itself rather than a subject: the HTTP client
 *   presents that certificate, only `client_id` goes in the form, and the same start-up check applies.
 * - `bearer`: a static access token in the `Authorization` header (servers that protect introspection
 *   with an OAuth token of their own).
 */
export type ClientAuthentication =
  | ({ readonly method: 'client_secret_basic' } & ClientSecretCredentials)
  | ({ readonly method: 'client_secret_post' } & ClientSecretCredentials)
  | {
      readonly method: 'private_key_jwt';
      /** The resource server's `client_id` at the authorization server. */
      readonly clientId: string;
      /**
       * The private key, as a `CryptoKey` or a private JWK, of the type `algorithm` needs. Checked when the
       * resolver is built (a public key, a key of another type or curve, a malformed `d` are refused then);
       * only a `d` that belongs to another public key waits for the first call to fail.
       */
      readonly privateKey: CryptoKey | JWK;
      /** The signing algorithm, e.g. `RS256`, `ES256`. */
      readonly algorithm: string;
      /**
       * The assertion's `kid`, naming the key among those the server holds for this client (several during
       * a rotation). Default: the `kid` of the private JWK, when it has one (a JWK `kid` that is not a
       * string, or has white space at either end, is refused at start-up); none for a `CryptoKey`. Give it
       * when the server registered the key under another name; remove it from the JWK to send none.
       */
      readonly kid?: string | undefined;
      /** The assertion's `aud`. Default: the introspection endpoint URL. */
      readonly audience?: string | undefined;
    }
  | {
      readonly method: 'tls_client_auth';
      /** The resource server's `client_id` at the authorization server. */
      readonly clientId: string;
    }
  | {
      readonly method: 'self_signed_tls_client_auth';
      /** The resource server's `client_id` at the authorization server. */
      readonly clientId: string;
    }
  | {
      readonly method: 'bearer';
      /** The access token, as RFC 6750 spells one (a b64token): refused at start-up otherwise. */
      readonly token: string;
    };

/**
 * The id and secret of `client_secret_basic` and `client_secret_post`. The secret may come from a
 * secret store by ID, and is then re-read every `secretRefreshSeconds` and whenever the introspection
 * endpoint answers 401 (a rotated secret), the request being retried once with the new one.
 *
 * @example
 * ```ts
 * const credentials: ClientSecretCredentials = {
 *   clientId: 'ig_agent',
 *   clientSecret: { store: envSecretStore({ env: process.env }), secretId: 'agent.secret.id' },
 *   secretRefreshSeconds: 60,
 * };
 * ```
 */
export interface ClientSecretCredentials {
  readonly clientId: string;
  /** The secret, or `{ store, secretId }` to read it from a secret store (UTF-8 text of a shared secret). */
  readonly clientSecret: SecretValue;
  /** With a stored secret: read it again after this many seconds. Default 300. Refused beside a plain string. */
  readonly secretRefreshSeconds?: number | undefined;
}

type Method = ClientAuthentication['method'];
const METHODS =
  'client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth or bearer';
const SECRET_SCHEMA = {
  method: anyValue,
  clientId: nonEmptyString,
  // A string or { store, secretId }: clientSecretSource checks which, and reads a reference at once.
  clientSecret: anyValue,
  secretRefreshSeconds: positiveNumber,
};
const SCHEMA_BY_METHOD: {
  readonly [M in Method]: OptionSchema<Extract<ClientAuthentication, { method: M }>>;
} = {
  client_secret_basic: SECRET_SCHEMA,
  client_secret_post: SECRET_SCHEMA,
  private_key_jwt: {
    method: anyValue,
    clientId: nonEmptyString,
    // A CryptoKey or a JWK: importing it says whether it is usable.
    privateKey: anyValue,
    algorithm: nonEmptyString,
    kid: nonEmptyString,
    audience: nonEmptyString,
  },
  tls_client_auth: { method: anyValue, clientId: nonEmptyString },
  self_signed_tls_client_auth: { method: anyValue, clientId: nonEmptyString },
  bearer: { method: anyValue, token: nonEmptyString },
};

/** The rule of a `clientAuthentication` option: each method has its own members, and only those. */
export const CLIENT_AUTHENTICATION: OptionRule = {
  expected: 'a client authentication',
  check(value, path) {
    if (!isPlainObject(value)) throw new RsConfigError(path, 'must be a plain object');
    const method = value.method;
    if (typeof method !== 'string' || !Object.hasOwn(SCHEMA_BY_METHOD, method))
      throw new RsConfigError(`${path}.method`, `must be ${METHODS}`);
    checkOptions(value, SCHEMA_BY_METHOD[method as Method], path);
  },
};

/**
 * The methods by which the client authenticates with its TLS certificate (RFC 8705 §2): their requests go
 * to the server's `mtls_endpoint_aliases` when it names one (RFC 8705 §5), and need an HTTP client that
 * presents a certificate.
 */
const MUTUAL_TLS_METHODS: ReadonlySet<string> = new Set<Method>([
  'tls_client_auth',
  'self_signed_tls_client_auth',
]);

/** Whether `method` authenticates the client with its TLS certificate (see {@link MUTUAL_TLS_METHODS}). */
export function authenticatesWithMutualTls(method: unknown): boolean {
  return typeof method === 'string' && MUTUAL_TLS_METHODS.has(method);
}

/** Adds the credentials to an introspection request. */
export interface ClientAuthenticator {
  /**
   * Adds the credentials to one request about to be sent: called again for every attempt, a retry
   * included, since a `private_key_jwt` assertion is good once (the server refuses a replayed `jti`).
   */
  apply(form: URLSearchParams, headers: Record<string, string>): Promise<CredentialsSent>;
  /**
   * After the endpoint refused the credentials `sent`: re-reads a stored secret, `true` when the secret
   * now differs from the one sent (read again by this call or by a concurrent one) and the request is
   * worth sending once more.
   */
  reread(sent: CredentialsSent): boolean;
}

/**
 * Which credentials one request carried: the generation of a stored secret (see
 * `ClientSecretSource.generation`), 0 for credentials that never change.
 */
export type CredentialsSent = number;

const NEVER_CHANGES = () => false;
const FIXED_CREDENTIALS: CredentialsSent = 0;

/**
 * Validates {@link ClientAuthentication} at start-up and prepares what can be prepared once. `httpClient`
 * is the one given with it, `undefined` for the default (which presents no client certificate).
 */
export function createClientAuthenticator(
  auth: ClientAuthentication,
  endpoint: () => string,
  option: string,
  httpClient: HttpClient | undefined,
): ClientAuthenticator {
  requireOption(typeof auth === 'object' && auth !== null, option, 'is required');
  const needsId = auth.method !== 'bearer';
  if (needsId) {
    const clientId = (auth as { clientId?: unknown }).clientId;
    requireOption(nonEmpty(clientId), `${option}.clientId`, 'is required');
    checkCredentialText(clientId, `${option}.clientId`);
  }
  switch (auth.method) {
    case 'client_secret_basic': {
      const secret = clientSecretSource(
        auth.clientSecret,
        auth.secretRefreshSeconds,
        `${option}.clientSecret`,
      );
      const id = formEncode(auth.clientId);
      return {
        apply: async (_form, headers) => {
          headers.authorization = `Basic ${btoa(`${id}:${formEncode(secret.current())}`)}`;
          return secret.generation();
        },
        reread: (sent) => rereadSince(secret, sent),
      };
    }
    case 'client_secret_post': {
      const secret = clientSecretSource(
        auth.clientSecret,
        auth.secretRefreshSeconds,
        `${option}.clientSecret`,
      );
      return {
        apply: async (form) => {
          form.set('client_id', auth.clientId);
          form.set('client_secret', secret.current());
          return secret.generation();
        },
        reread: (sent) => rereadSince(secret, sent),
      };
    }
    case 'private_key_jwt': {
      requireOption(
        (ASYMMETRIC_JWS_ALGORITHMS as readonly string[]).includes(auth.algorithm),
        `${option}.algorithm`,
        'must be an asymmetric JWS algorithm',
      );
      requireOption(auth.privateKey !== undefined, `${option}.privateKey`, 'is required');
      // Both go into the signed assertion as written: the server would match neither with a line break.
      if (auth.kid !== undefined) checkCredentialText(auth.kid, `${option}.kid`);
      if (auth.audience !== undefined) checkCredentialText(auth.audience, `${option}.audience`);
      checkClientAssertionKey(auth.privateKey, auth.algorithm, `${option}.privateKey`);
      const kid = assertionKid(auth.privateKey, auth.kid, option);
      const key = importSigningKey(auth.privateKey, auth.algorithm);
      // Importing is asynchronous: what the check above cannot know (a `d` of another key) is reported by
      // the first call, as a misconfiguration; until then, keep its rejection from going unhandled.
      key.catch(() => undefined);
      return {
        apply: async (form) => {
          // The authorization server judges the assertion by the real time, not by an injected clock.
          const now = Math.floor(Date.now() / 1000);
          const assertion = await new SignJWT({})
            .setProtectedHeader({ alg: auth.algorithm, ...(kid === undefined ? {} : { kid }) })
            .setIssuer(auth.clientId)
            .setSubject(auth.clientId)
            .setAudience(auth.audience ?? endpoint())
            .setJti(crypto.randomUUID())
            .setIssuedAt(now)
            .setExpirationTime(now + 60)
            .sign(await key);
          form.set('client_id', auth.clientId);
          form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
          form.set('client_assertion', assertion);
          return FIXED_CREDENTIALS;
        },
        reread: NEVER_CHANGES,
      };
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      // Without a certificate on the connection the server can only refuse every request: say so now. A
      // client that cannot tell (one of the user's own) is taken at its word.
      requireOption(
        httpClient !== undefined && httpClient.presentsClientCertificate !== false,
        option,
        `${auth.method} needs an HTTP client that presents a TLS client certificate, and the ${httpClient === undefined ? 'default one' : 'one given'} presents none: give httpClient: undiciHttpClient({ tls: { cert, key } }) from @rs/core/node`,
      );
      return {
        apply: async (form) => {
          form.set('client_id', auth.clientId);
          return FIXED_CREDENTIALS;
        },
        reread: NEVER_CHANGES,
      };
    case 'bearer': {
      requireOption(nonEmpty(auth.token), `${option}.token`, 'is required');
      // Sent in a header: a line break or another character outside RFC 6750's b64token would make every
      // request fail to send (or forge a header), so it is refused now. The token is never repeated.
      requireOption(
        B64TOKEN.test(auth.token),
        `${option}.token`,
        'must be an RFC 6750 b64token (letters, digits and -._~+/, then any "="): no white space, line breaks or quotes',
      );
      const value = `Bearer ${auth.token}`;
      return {
        apply: async (_form, headers) => {
          headers.authorization = value;
          return FIXED_CREDENTIALS;
        },
        reread: NEVER_CHANGES,
      };
    }
    default:
      throw new RsConfigError(`${option}.method`, `must be ${METHODS}`);
  }
}

/**
 * The `kid` of the assertions: the option, else the private JWK's own. A server holding several keys for
 * the client (during a rotation) picks one by it, and refuses an assertion that names none (Okta) or a
 * key it does not hold. The option wins, for a server that registered the key under a name of its own
 * (Keycloak names an uploaded certificate's key itself).
 */
function assertionKid(key: CryptoKey | JWK, given: string | undefined, option: string): string | undefined {
  if (given !== undefined) return given;
  const own: unknown = 'kid' in key ? key.kid : undefined;
  if (own === undefined) return undefined;
  const keyOption = `${option}.privateKey`;
  requireOption(
    typeof own === 'string' && own.length > 0,
    keyOption,
    'has a "kid" that is not a non-empty string',
  );
  // Sent in the header as written: the server would match no key with a line break.
  checkCredentialText(own, keyOption, 'its "kid"');
  return own;
}

/**
 * Reads a stored secret again after a refusal of the one of generation `sent`: whether the secret now
 * differs from it. A concurrent request refused for the same stale secret may have read the new one
 * first: this one must be sent again too, not reported as refused credentials.
 */
function rereadSince(secret: ClientSecretSource, sent: CredentialsSent): boolean {
  secret.reread();
  return secret.generation() !== sent;
}

/** application/x-www-form-urlencoded encoding of one value, as RFC 6749 §2.3.1 asks for Basic credentials. */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

async function importSigningKey(key: CryptoKey | JWK, alg: string): Promise<CryptoKey> {
  if (!('kty' in key)) return key as CryptoKey;
  const imported = await importJWK(key, alg);
  if (imported instanceof Uint8Array)
    throw new RsConfigError('clientAuthentication.privateKey', 'must be an asymmetric private key');
  return imported;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
