import { audienceOption } from '../config/audience-option.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  boolean,
  checkOptions,
  either,
  func,
  integerBetween,
  nonEmptyString,
  type OptionSchema,
  objectWith,
  oneOf,
  shape,
  skewSeconds,
  stringOrStrings,
  timerMilliseconds,
  urlString,
} from '../config/option-schema.js';
import { nonNegativeOption, positiveOption, stringSetOption } from '../config/option-values.js';
import { refusePatternValue } from '../config/pattern-value.js';
import { shownUrl } from '../config/shown-url.js';
import { type CacheNamespace, cacheNamespaceOf } from '../crypto/cache-namespace.js';
import {
  DiscoveryError,
  endpointDiscovery,
  MAX_METADATA_BYTES,
} from '../discovery/authorization-server-metadata.js';
import { parseJsonObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { type FailureCode, type Outcome, refusal, success } from '../errors/failure.js';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
import { schemeOfRefusedRequest } from '../extract/extract-token.js';
import { retryAfterMs, retryWithinBudget, sentAt } from '../http/bounded-retry.js';
import { defaultHttpClient } from '../http/default-http-client.js';
import { checkComparedIssuer, validateEndpointUrl, validateIssuerUrl } from '../http/endpoint-url.js';
import { type HttpClient, HttpClientError, type HttpResponse } from '../http/http-client.js';
import { shownMediaType } from '../http/media-type.js';
import { refusedCertificateAlong } from '../http/network-failure.js';
import { outboundCallLimit } from '../http/outbound-call-limit.js';
import { requestDeadline } from '../http/request-deadline.js';
import { sendWithinDeadline } from '../http/send-within-deadline.js';
import { isTransientStatus } from '../http/transient-status.js';
import { untilAborted } from '../http/until-aborted.js';
import { describeError, type IntrospectionHealth } from '../observability/dependency-health.js';
import { misconfigurationReporter } from '../observability/misconfiguration-reporter.js';
import { callUserHook } from '../observability/user-hook.js';
import type { AccessTokenResolver, ResolveContext } from '../resolvers/resolver.js';
import type { TokenInfo } from '../token-info.js';
import {
  authenticatesWithMutualTls,
  CLIENT_AUTHENTICATION,
  type ClientAuthentication,
  type CredentialsSent,
  createClientAuthenticator,
} from './client-authentication.js';
import {
  type IntrospectionChecks,
  interpretIntrospection,
  parseIntrospectionJson,
} from './introspection-response.js';
import {
  JWT_INTROSPECTION_MEDIA_TYPE,
  JWT_INTROSPECTION_OPTIONS,
  type JwtIntrospectionOptions,
  jwtIntrospectionReader,
} from './jwt-introspection-response.js';

/** Options of {@link introspectionResolver}. Durations are in milliseconds. */
export interface IntrospectionResolverOptions {
  /**
   * The introspection endpoint. When absent, it is discovered from `issuer` (RFC 8414, then OpenID): with
   * `tls_client_auth` or `self_signed_tls_client_auth`, the metadata's `mtls_endpoint_aliases.introspection_endpoint` when it names one
   * (RFC 8705 §5), else `introspection_endpoint`.
   */
  readonly endpoint?: string | URL | undefined;
  /**
   * The authorization server's issuer identifier, exactly as it states it (a trailing slash matters), or
   * several spellings of it: a present `iss` in answers (plain or signed) must equal one of them. The
   * first is the one discovery asks (a `private_key_jwt` assertion is addressed to the endpoint, see
   * `clientAuthentication.audience`). Several are for a server that
   * states its issuer two ways: Access Management answers for its root realm with `iss` ending in
   * `/oauth2` or in `/oauth2/realms/root`, so give both. Refused at start-up when no server could state
   * one: white space or control characters anywhere, an upper-case scheme or host, a query, plain `http:`
   * to a host that is not loopback (unless `allowInsecureHttp`). A revocation (`revocationList`) naming
   * one of the spellings given together reaches the answers stating another that a `tokenCache` wrapping
   * this resolver holds (the resolver states them as its `issuerSpellings`); no other resolver's.
   */
  readonly issuer?: string | readonly string[] | undefined;
  /** How this resource server authenticates to the endpoint. */
  readonly clientAuthentication: ClientAuthentication;
  /**
   * This resource server's identifier(s): the answer's `aud` must contain one of them. Required, unless
   * `acceptAnyAudience` says otherwise: an active token for another API is otherwise accepted here too.
   */
  readonly audience?: string | readonly string[] | undefined;
  /**
   * `true` accepts active tokens whatever their `aud`, instead of giving `audience`: for authorization
   * servers that put no `aud` in introspection answers and issue tokens for this API only.
   */
  readonly acceptAnyAudience?: boolean | undefined;
  /**
   * `token_type_hint` sent with each call; `false` sends none. Default `access_token`. A hint is a name
   * (RFC 7009 §4.1.2): printable ASCII without white space, refused at start-up otherwise.
   */
  readonly tokenTypeHint?: string | false | undefined;
  /** Clock skew allowed on `exp`, `nbf` and `iat` in answers, in seconds. Default 0. */
  readonly skewAllowance?: number | undefined;
  /**
   * The whole budget of one introspection, retries (and a retry with a re-read secret) included, and with
   * `jwtResponse` the wait for the keys that verify the signed answer: a key set still being fetched past
   * it answers the request 503 `introspection_unavailable` then, and its fetch goes on for the requests
   * that follow. Default 5 s. The first request of a resolver that discovers its endpoint also waits for
   * discovery (once, with the same timeout per metadata URL). After a failed discovery, requests are answered with that failure
   * at once for 1 s, doubled after each further failure up to 10 s, before discovery is tried again.
   * These waits, and the pause of retries (see `retries`), are counted on the monotonic clock: a step of
   * the system clock neither lengthens nor shortens them.
   */
  readonly timeout?: number | undefined;
  /**
   * Retries after a network error, a timeout, a 5xx or a 429 answer, within the timeout. Default 1. A 503
   * or 429 with `Retry-After` is retried no sooner than it asks (a date counted from the answer's `Date`,
   * on the server's clock), and not at all when that is past the timeout. After an introspection that
   * got no answer, later ones make a single attempt for 1 s, doubled after each further one up to 10 s,
   * until the endpoint answers again: during an outage each request costs the server one call, not
   * `1 + retries`.
   */
  readonly retries?: number | undefined;
  /** Delay before the first retry, doubled for each next one. Default 100 ms. */
  readonly retryDelay?: number | undefined;
  /**
   * The most introspections under way at once, each one call to the endpoint (with its retries) for a
   * token no other request is asking about (a `tokenCache` in front shares one call among requests
   * presenting the same token). Default 256, from 1 to 10 000. A request that finds that many under way is
   * answered 503 `introspection_unavailable` at once, without a call and without waiting for a slot, and
   * `onError` is told: a flood of made-up tokens, or an endpoint that has slowed down to the `timeout`,
   * then costs the authorization server at most this many calls at a time and this process at most this
   * many waiting requests, while answers already cached are served as before. Such a refusal is no
   * failure of the endpoint: `health()` does not count it.
   */
  readonly maxConcurrentCalls?: number | undefined;
  /**
   * Longest token sent to the endpoint, in characters. Default 16 384. A longer one is the client's error
   * (401 `token_too_large`), refused before any call: an authorization server refusing an oversized
   * request must not be read as this resource server's misconfiguration.
   */
  readonly maxTokenLength?: number | undefined;
  /**
   * Largest accepted answer, plain or RFC 9701 signed (its decrypted content too), in bytes (a whole
   * number). Default 64 KiB. Discovery reads the issuer's
   * metadata up to 64 KiB even when this is smaller; a larger document is wrong metadata (misconfigured).
   */
  readonly maxResponseBytes?: number | undefined;
  /** Allow plain `http:` to a non-loopback host. Default `false`. */
  readonly allowInsecureHttp?: boolean | undefined;
  /**
   * Ask for RFC 9701 signed answers (`Accept: application/token-introspection+jwt`) and trust only those:
   * verified with the authorization server's keys, for this resource server, within their `iat`, `exp`
   * and `nbf` (with `skewAllowance`), decrypted when nested in a JWE. Requires `issuer`.
   */
  readonly jwtResponse?: JwtIntrospectionOptions | undefined;
  /**
   * Default: on Node with `undici` installed, one pooled undici client for the process; else `fetch`. A
   * `send` of a client of your own that has not settled within `timeout` is given up (`HttpClientError`
   * `ERR_RS_HTTP_TIMEOUT`, 503), whatever it does after.
   */
  readonly httpClient?: HttpClient | undefined;
  /**
   * Told of every failed introspection that is not the client's fault. Default: misconfigurations
   * (`ERR_RS_INTROSPECTION_MISCONFIGURED`: our credentials refused, wrong metadata, an endpoint answering
   * 404, another 4xx or a permanent redirect, or a page that is not JSON), and a TLS certificate the
   * client refused (`ERR_RS_INTROSPECTION_UNAVAILABLE` by its code), are written to `console.error` at
   * most once a minute. Giving `onError` replaces the default: yours is told of everything, and nothing
   * is written. What it throws, or rejects with when it returns a promise, is ignored: the request is
   * answered as it would be without.
   */
  readonly onError?: ((error: IntrospectionError) => void) | undefined;
}

/** An introspection that failed through no fault of the client. */
export class IntrospectionError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/IntrospectionError';
  override name = 'IntrospectionError';
  /**
   * `ERR_RS_INTROSPECTION_UNAVAILABLE`: unreachable, slow, 5xx or a broken answer.
   * `ERR_RS_INTROSPECTION_MISCONFIGURED`: this side is set up wrong (credentials refused, or a URL that
   * is no introspection endpoint: a 404, or a success in another media type than asked for).
   */
  declare readonly code: 'ERR_RS_INTROSPECTION_UNAVAILABLE' | 'ERR_RS_INTROSPECTION_MISCONFIGURED';

  constructor(code: IntrospectionError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

// A token type hint names a type of the registry (RFC 7009 §4.1.2): a line break or a space in it is a
// pasting slip that every server would ignore or refuse.
const TOKEN_TYPE_NAME = /^[\x21-\x7e]+$/;

const INTROSPECTION_RESOLVER_OPTIONS: OptionSchema<IntrospectionResolverOptions> = {
  endpoint: urlString,
  issuer: stringOrStrings,
  clientAuthentication: CLIENT_AUTHENTICATION,
  audience: stringOrStrings,
  acceptAnyAudience: boolean,
  tokenTypeHint: either(nonEmptyString, oneOf(false)),
  skewAllowance: skewSeconds,
  timeout: timerMilliseconds,
  retries: integerBetween(0, 5),
  retryDelay: timerMilliseconds,
  // 10 000: as many connections to one server as a process may well hold; past that, no bound at all.
  maxConcurrentCalls: integerBetween(1, 10_000),
  // Whole bytes: below 1, every answer would be too large.
  // 16 MiB: 256 times the default; an RFC 7662 answer is a few hundred bytes.
  maxResponseBytes: integerBetween(1, 16 * 1024 * 1024),
  allowInsecureHttp: boolean,
  jwtResponse: shape(JWT_INTROSPECTION_OPTIONS),
  httpClient: objectWith('an HTTP client such as undiciHttpClient()', 'send'),
  onError: func,
  maxTokenLength: integerBetween(1, 1024 * 1024),
};

// Introspections under way at once when `maxConcurrentCalls` is not given: a cold start meeting a couple
// of hundred new tokens at once is served in full (at 20 ms an answer, over 12 000 new tokens a second),
// while a flood of made-up tokens, or an endpoint slowed to the timeout, holds no more calls than that.
const DEFAULT_MAX_CONCURRENT_CALLS = 256;
// How long the endpoint is left alone after it failed, by failures in a row: for discovery, no request asks
// for the metadata; for introspection, no request retries.
const BACK_OFF_DELAY_MS = 1_000;
const MAX_BACK_OFF_DELAY_MS = 10_000;
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;|$)/i;
const JWT_MEDIA_TYPE = /^application\/token-introspection\+jwt\s*(?:;|$)/i;

/**
 * Validates opaque access tokens with the authorization server's RFC 7662 introspection endpoint.
 *
 * Inactive tokens answer 401 `invalid_token`. When the server cannot be asked (down, slow, 5xx, an answer
 * that is not RFC 7662 JSON: invalid, naming a member twice in one object, or active with a member of
 * the wrong type such as a string `exp` or a `cnf` that is no object) the request fails closed with 503
 * `introspection_unavailable`, which no token cache keeps; when the server refuses this resource
 * server's own credentials, or the endpoint is not one (a 404, or a success in another media type than
 * asked for, such as an HTML login page), with 503 `introspection_misconfigured`. An answer saying
 * `token_type: "DPoP"` without `cnf.jkt` is refused with 401 whatever the scheme (RFC 9449 §6.2, §7.2).
 *
 * @example
 * ```ts
 * const resolver = introspectionResolver({
 *   endpoint: 'https://as.example.com/oauth2/introspect',
 *   clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: process.env.RS_SECRET! },
 * });
 * ```
 */
export function introspectionResolver(options: IntrospectionResolverOptions): AccessTokenResolver {
  checkOptions(options, INTROSPECTION_RESOLVER_OPTIONS, 'introspectionResolver');
  const issuers = stringSetOption(options.issuer, 'introspectionResolver.issuer', false);
  // The one discovery asks: the first given.
  const issuer = issuers === undefined ? undefined : [...issuers][0]!;
  // Only an issuer that discovery fetches (no `endpoint` given: the first) must be https; the others,
  // and every one beside a fixed endpoint, are only compared with `iss`, as `jwtResolver`'s is.
  for (const spelling of issuers ?? []) {
    if (options.endpoint === undefined && spelling === issuer)
      validateIssuerUrl(spelling, 'introspectionResolver.issuer', options.allowInsecureHttp);
    else checkComparedIssuer(spelling, 'introspectionResolver.issuer');
    // Compared exactly with an answer's `iss`, as jwtResolver's: a pattern matches no answer.
    refusePatternValue(
      spelling,
      'introspectionResolver.issuer',
      'list each issuer as its answers state it in iss',
    );
  }
  // Stated to the cache wrapping this resolver: revocations naming one spelling reach the answers it
  // holds stating another, as this resolver accepts both.
  const issuerSpellings = issuers !== undefined && issuers.size > 1 ? [[...issuers]] : undefined;
  const fixedEndpoint =
    options.endpoint === undefined
      ? undefined
      : validateEndpointUrl(options.endpoint, 'introspectionResolver.endpoint', options.allowInsecureHttp)
          .href;
  if (fixedEndpoint === undefined && issuer === undefined) {
    throw new RsConfigError(
      'introspectionResolver.endpoint',
      'give the endpoint, or the issuer to discover it from',
    );
  }
  const timeout = positiveOption(options.timeout, 5_000, 'introspectionResolver.timeout');
  const retries = options.retries ?? 1;
  requireOption(
    Number.isInteger(retries) && retries >= 0 && retries <= 5,
    'introspectionResolver.retries',
    'must be an integer from 0 to 5',
  );
  const retryDelay = positiveOption(options.retryDelay, 100, 'introspectionResolver.retryDelay');
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const skew = nonNegativeOption(options.skewAllowance, 0, 'introspectionResolver.skewAllowance');
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  requireOption(
    Number.isSafeInteger(maxTokenLength) && maxTokenLength > 0,
    'introspectionResolver.maxTokenLength',
    'must be a positive integer',
  );
  const tokenTypeHint = options.tokenTypeHint === undefined ? 'access_token' : options.tokenTypeHint;
  requireOption(
    tokenTypeHint === false || TOKEN_TYPE_NAME.test(tokenTypeHint),
    'introspectionResolver.tokenTypeHint',
    'must be a token type name such as access_token: printable ASCII, no white space (RFC 7009 §4.1.2)',
  );
  const http = options.httpClient ?? defaultHttpClient();
  const callLimit = outboundCallLimit(options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS);
  const jwtReader =
    options.jwtResponse === undefined
      ? undefined
      : // A signed answer is bounded as a plain one: `maxResponseBytes`, not a limit of its own.
        jwtIntrospectionReader(options.jwtResponse, issuers, maxResponseBytes);
  const onError = options.onError ?? loudMisconfigurationReporter();
  // The hook is told, never heard from: a throw would turn the request's 503 into a 500, and an `async`
  // hook's rejection would be unhandled.
  const report = (error: IntrospectionError): void => callUserHook(onError, error);

  const discovery =
    fixedEndpoint === undefined
      ? endpointDiscovery(issuer!, 'introspection_endpoint', http, {
          timeoutMs: timeout,
          // The metadata has its own bound whatever the limit for answers: a small one would fail
          // discovery for good (several KiB at Keycloak or Access Management), a larger one would take any
          // document. issuerJwks reads metadata within the same 64 KiB.
          maxResponseBytes: MAX_METADATA_BYTES,
          allowInsecureHttp: options.allowInsecureHttp,
          // RFC 8705 §5: a certificate-authenticated client calls the server's mTLS alias, when it has one.
          mtlsAlias: authenticatesWithMutualTls(options.clientAuthentication?.method),
        })
      : undefined;
  // A failed discovery is not tried again by every request that follows: it waits 1 s, doubled after each
  // further failure up to 10 s (as a JWK set fetch does), and meanwhile requests are answered with the
  // failure at once. Real time, not the request's clock: the wait is for the server's sake. Monotonic
  // time, not the system clock: set back an hour (an NTP correction), the system clock would answer
  // requests with the failure for that hour after the server is back; set forward, it would end the wait.
  let discoveryRetryAt = Number.NEGATIVE_INFINITY;
  let discoveryFailures = 0;
  let discoveryFailure: unknown;
  async function discoveredEndpoint(): Promise<string> {
    const known = discovery!.known();
    if (known !== undefined) return known;
    if (performance.now() < discoveryRetryAt) throw discoveryFailure;
    try {
      const found = await discovery!.endpoint();
      discoveryFailures = 0;
      return found;
    } catch (error) {
      // Requests that shared one discovery count it once: the first to see it fail sets the wait.
      const now = performance.now();
      if (now >= discoveryRetryAt) {
        discoveryFailures++;
        discoveryRetryAt = now + backOffDelay(discoveryFailures);
        discoveryFailure = error;
      }
      throw error;
    }
  }
  const authenticator = createClientAuthenticator(
    options.clientAuthentication,
    () => fixedEndpoint ?? discovery?.known() ?? issuer!,
    'introspectionResolver.clientAuthentication',
    options.httpClient,
  );
  const checks: IntrospectionChecks = {
    issuers,
    audiences: audienceOption(options, 'introspectionResolver'),
    skewSeconds: skew,
  };

  // For `health()`: the endpoint's last exchanges.
  let calls = 0;
  let failures = 0;
  let lastSuccessAt: number | undefined;
  let lastFailure: { at: number; error: string } | undefined;
  let lastError = '';

  function fail(code: IntrospectionError['code'], message: string, cause?: unknown): Outcome<TokenInfo> {
    const error = new IntrospectionError(code, message, { cause });
    lastError = describeError(error);
    report(error);
    return code === 'ERR_RS_INTROSPECTION_MISCONFIGURED'
      ? refusal('introspection_misconfigured', 'The resource server could not check the access token')
      : refusal('introspection_unavailable', 'The authorization server is unavailable');
  }

  // A request over `maxConcurrentCalls`: told to `onError` as any unavailability, but leaving `health()`
  // alone, since the endpoint was not asked (a flood of made-up tokens must not make the service unready).
  function overCallLimit(): Outcome<TokenInfo> {
    report(
      new IntrospectionError(
        'ERR_RS_INTROSPECTION_UNAVAILABLE',
        `${callLimit.max} introspections are already under way (maxConcurrentCalls): answered without asking the endpoint`,
      ),
    );
    return refusal('introspection_unavailable', 'The authorization server is unavailable');
  }

  // During an outage, retries would multiply the load on a server that is struggling to come back: after
  // an introspection that got no answer (network error, timeout, 5xx, 429), later ones make one attempt
  // each, without retries, for 1 s, doubled after each further such introspection up to 10 s, and make
  // them again as soon as one gets an answer. Never none: a token is checked the moment the server is back.
  // Concurrent introspections that failed together count once, as for discovery. Real time, for the
  // server's sake, on the monotonic clock as discovery's wait is.
  let retriesResumeAt = Number.NEGATIVE_INFINITY;
  let unansweredInARow = 0;
  const retriesPaused = (): boolean => performance.now() < retriesResumeAt;
  function recordExchange(answered: boolean): void {
    if (answered) {
      unansweredInARow = 0;
      retriesResumeAt = Number.NEGATIVE_INFINITY;
      return;
    }
    const now = performance.now();
    if (now < retriesResumeAt) return;
    unansweredInARow++;
    retriesResumeAt = now + backOffDelay(unansweredInARow);
  }

  /**
   * The whole introspection request, with client credentials made for it alone, and which credentials
   * they are (a stored secret's generation).
   */
  async function introspectionRequest(
    token: string,
  ): Promise<{ body: string; headers: Record<string, string>; credentials: CredentialsSent }> {
    const form = new URLSearchParams({ token });
    if (tokenTypeHint !== false) form.set('token_type_hint', tokenTypeHint);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: jwtReader === undefined ? 'application/json' : JWT_INTROSPECTION_MEDIA_TYPE,
    };
    let credentials: CredentialsSent;
    try {
      credentials = await authenticator.apply(form, headers);
    } catch (error) {
      throw new CredentialsNotPrepared(error);
    }
    return { body: form.toString(), headers, credentials };
  }

  /**
   * One introspection within `budgetMs`, retrying network errors, timeouts, 5xx and 429 answers. Every
   * attempt builds its whole request anew, client authentication included: a retry never resends a
   * client assertion (its `jti` is good once), which the server may have seen though its answer was lost.
   * `sent` is told which credentials the last attempt carried.
   */
  async function introspect(
    url: string,
    token: string,
    budgetMs: number,
    sent: { credentials: CredentialsSent },
  ): Promise<HttpResponse | IntrospectionError> {
    try {
      const response = await retryWithinBudget(
        async (remainingMs) => {
          const startedAt = performance.now();
          const { body, headers, credentials } = await introspectionRequest(token);
          sent.credentials = credentials;
          const response = await sendWithinDeadline(http, {
            method: 'POST',
            url,
            headers,
            body,
            // Signing an assertion took part of the time left.
            timeoutMs: Math.max(1, Math.ceil(remainingMs - (performance.now() - startedAt))),
            maxResponseBytes,
          });
          if (response.status >= 500 || response.status === 429) throw new UnavailableAnswer(url, response);
          return response;
        },
        {
          budgetMs,
          retries,
          retryDelayMs: retryDelay,
          retryable: (error) => wantsAnotherAttempt(error) && !retriesPaused(),
          retryAfterMs: (error) => (error instanceof UnavailableAnswer ? error.retryAfterMs : undefined),
        },
      );
      recordExchange(true);
      return response;
    } catch (error) {
      if (error instanceof CredentialsNotPrepared) {
        return new IntrospectionError(
          'ERR_RS_INTROSPECTION_MISCONFIGURED',
          `the client authentication could not be prepared: ${(error.cause as Error).message}`,
          { cause: error.cause },
        );
      }
      // An answer too large was an answer: the server is there. A closed client says nothing of it.
      if (!clientClosed(error)) recordExchange(!wantsAnotherAttempt(error));
      if (error instanceof UnavailableAnswer)
        return new IntrospectionError('ERR_RS_INTROSPECTION_UNAVAILABLE', error.message);
      const message =
        error instanceof HttpClientError ? error.message : `${shownUrl(url)} could not be reached`;
      return new IntrospectionError('ERR_RS_INTROSPECTION_UNAVAILABLE', message, { cause: error });
    }
  }

  /**
   * What is wrong with the media type of a 2xx answer, when it is not the one asked for (RFC 7662 JSON,
   * or an RFC 9701 JWT when configured); `undefined` when it is. Quotes only a media type that cannot
   * hold a secret ({@link shownMediaType}).
   */
  function unexpectedMediaType(response: HttpResponse): string | undefined {
    const contentType = response.header('content-type') ?? '';
    if (jwtReader === undefined) {
      if (JSON_MEDIA_TYPE.test(contentType)) return undefined;
      const shown = shownMediaType(contentType);
      return `answered ${shown}, not application/json: is this the introspection endpoint?`;
    }
    if (JWT_MEDIA_TYPE.test(contentType)) return undefined;
    return (
      `answered ${shownMediaType(contentType)}, not ${JWT_INTROSPECTION_MEDIA_TYPE}: is this the ` +
      'introspection endpoint, and does it sign its answers for this client (RFC 9701)?'
    );
  }

  // RFC 7662 JSON, or an RFC 9701 JWT when configured, its media type checked: anything else is not an
  // answer to trust.
  async function readAnswer(
    response: HttpResponse,
    now: number,
  ): Promise<
    Outcome<{
      readonly answer: unknown;
      readonly jwt?: string | undefined;
      readonly answerExpiresAt?: number | undefined;
    }>
  > {
    let text: string;
    try {
      text = decodeUtf8(response.body);
    } catch {
      return refusal('introspection_unavailable', 'answered a body that is not UTF-8');
    }
    if (jwtReader !== undefined) {
      const trusted = await jwtReader.read(text, now, skew);
      if (!trusted.ok) return trusted;
      const { introspection, jwt, expiresAt } = trusted.value;
      return success({ answer: introspection, jwt, answerExpiresAt: expiresAt });
    }
    const parsed = parseIntrospectionJson(text);
    return parsed.ok ? success({ answer: parsed.value }) : parsed;
  }

  /**
   * {@link readAnswer} within `timeLeftMs`, what is left of the introspection's budget. A signed answer
   * waits for the keys that verify it, which a key source may be fetching under its own, longer timeout
   * (or discovering first): past the budget, the request is answered 503 at once, while that fetch goes
   * on for the requests that come next.
   */
  async function readAnswerWithin(
    response: HttpResponse,
    now: number,
    timeLeftMs: number,
  ): ReturnType<typeof readAnswer> {
    // A plain answer waits for nothing.
    if (jwtReader === undefined) return readAnswer(response, now);
    const budget = requestDeadline(Math.max(1, timeLeftMs));
    try {
      return await untilAborted(readAnswer(response, now), budget.signal);
    } catch (error) {
      if (error !== budget.signal.reason) throw error;
      return refusal(
        'introspection_unavailable',
        `the signed answer could not be verified within the ${timeout} ms timeout: its keys were still being fetched`,
      );
    } finally {
      budget.clear();
    }
  }

  // One exchange with the endpoint; `resolve` below records how it went.
  const endpoint = {
    async exchange(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      let url: string;
      try {
        url = fixedEndpoint ?? (await discoveredEndpoint());
      } catch (error) {
        const code =
          error instanceof DiscoveryError && error.code === 'ERR_RS_DISCOVERY_INVALID'
            ? 'ERR_RS_INTROSPECTION_MISCONFIGURED'
            : 'ERR_RS_INTROSPECTION_UNAVAILABLE';
        return fail(code, `introspection endpoint discovery failed: ${(error as Error).message}`, error);
      }
      // One budget for the whole exchange, the request with a re-read secret included, on the monotonic
      // clock: a step of the system clock must neither lengthen nor shorten it.
      const deadline = performance.now() + timeout;
      const timeLeftMs = (): number => Math.ceil(deadline - performance.now());
      const sent = { credentials: 0 };
      let response = await introspect(url, token, timeout, sent);
      // A stored client secret may have been rotated since it was read: read it again, and when it
      // differs from the one this request sent (read by this request, or by a concurrent one refused as
      // well), ask once more with the new one, in the time left.
      if (
        !(response instanceof IntrospectionError) &&
        refusedClientAuthentication(response) &&
        authenticator.reread(sent.credentials) &&
        timeLeftMs() > 0
      ) {
        response = await introspect(url, token, timeLeftMs(), sent);
      }
      if (response instanceof IntrospectionError)
        return fail(response.code, response.message, response.cause);
      if (response.status === 400 && oauthError(response) === 'unsupported_token_type') {
        // The server does not introspect this kind of token (some refuse their own JWTs): the token is
        // the problem, not this resource server's set-up, and a client must not be able to raise alarms.
        return refusal(
          'token_unsupported',
          'The authorization server does not introspect this kind of token',
        );
      }
      if (response.status === 413) {
        // Only the token varies in size between two introspection requests: it is the client's.
        return refusal('token_too_large', 'The access token is too large');
      }
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        return fail(
          'ERR_RS_INTROSPECTION_MISCONFIGURED',
          `${shownUrl(url)} refused this resource server's introspection request (HTTP ${response.status}); check its credentials`,
        );
      }
      if (response.status === 404 || response.status === 405) {
        return fail(
          'ERR_RS_INTROSPECTION_MISCONFIGURED',
          `${shownUrl(url)} answered HTTP ${response.status}: is this the introspection endpoint?`,
        );
      }
      // A success in another media type than asked for is no answer of an introspection endpoint (a login
      // page, a single-page app answering every path) or of one not set up as configured: asking again
      // will not change it, as it would not change a 404.
      let wrongMediaType: string | undefined;
      try {
        wrongMediaType =
          response.status >= 200 && response.status < 300 ? unexpectedMediaType(response) : undefined;
      } catch (error) {
        // A client of the application's own whose response cannot tell its headers: no answer to trust.
        // Its text is not repeated (it may quote the request, which holds the token).
        return fail(
          'ERR_RS_INTROSPECTION_UNAVAILABLE',
          `${shownUrl(url)}: the HTTP client's response could not be read (its header() threw)`,
          error,
        );
      }
      if (wrongMediaType !== undefined)
        return fail('ERR_RS_INTROSPECTION_MISCONFIGURED', `${shownUrl(url)} ${wrongMediaType}`);
      // A permanent redirect (never followed) or another 4xx says the URL is wrong, as a 404 does, and will
      // not fix itself: misconfigured, so that it is written to console.error rather than kept quiet as an
      // outage. "Not now" (a temporary redirect, 408) is an outage, as in discovery and for JWK sets.
      if (response.status >= 300 && !isTransientStatus(response.status)) {
        const redirect = response.status < 400 ? ' (a redirect, not followed: configure the final URL)' : '';
        return fail(
          'ERR_RS_INTROSPECTION_MISCONFIGURED',
          `${shownUrl(url)} answered HTTP ${response.status}${redirect}: is this the introspection endpoint?`,
        );
      }
      if (response.status !== 200)
        return fail('ERR_RS_INTROSPECTION_UNAVAILABLE', `${shownUrl(url)} answered HTTP ${response.status}`);
      const answer = await readAnswerWithin(response, context.now, timeLeftMs());
      if (!answer.ok)
        return fail('ERR_RS_INTROSPECTION_UNAVAILABLE', `${shownUrl(url)}: ${answer.failure.description}`);
      // How the client presented the token (`Authorization: DPoP …` or any Bearer way), asked only of an
      // answer binding the token to a DPoP key it does not name.
      const outcome = interpretIntrospection(
        answer.value.answer,
        checks,
        context.now,
        () => schemeOfRefusedRequest(context.request, true) ?? 'Bearer',
      );
      if (!outcome.ok && outcome.failure.code === 'introspection_unavailable')
        return fail('ERR_RS_INTROSPECTION_UNAVAILABLE', `${shownUrl(url)} ${outcome.failure.description}`);
      const { jwt, answerExpiresAt } = answer.value;
      // RFC 9701: the signed answer travels with the token info, for upstreams that verify it themselves,
      // and with its own `exp`, past which no cache may keep it.
      if (outcome.ok && jwt !== undefined)
        return success({
          ...outcome.value,
          introspectionJwt: jwt,
          ...(answerExpiresAt === undefined ? {} : { answerExpiresAt }),
        });
      return outcome;
    },
  };

  return {
    cacheNamespace: introspectionCacheNamespace(options),
    issuerSpellings,
    async resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      if (token.length > maxTokenLength) return refusal('token_too_large', 'The access token is too large');
      const startedAt = performance.now();
      const exchange = callLimit.tryRun(() => endpoint.exchange(token, context));
      // Past the limit: answered at once, without a call, and not counted against the endpoint's health.
      if (exchange === undefined) return overCallLimit();
      const outcome = await exchange;
      calls++;
      const failed = !outcome.ok && ENDPOINT_FAILURES.has(outcome.failure.code);
      if (failed) {
        failures++;
        lastFailure = { at: context.now, error: lastError };
      } else {
        lastSuccessAt = context.now;
      }
      context.trace?.introspected(
        performance.now() - startedAt,
        failed ? 'failed' : outcome.ok ? 'active' : 'inactive',
      );
      return outcome;
    },
    health(now) {
      const health: IntrospectionHealth = {
        kind: 'introspection',
        // Not ready while the last exchange failed, for FAILURE_READINESS_MS at most: only a request can
        // ask the endpoint again (it needs a token), so a readiness probe that keeps traffic away while
        // not ready would otherwise keep it away for good. Before any exchange, nothing says it will fail.
        ready:
          lastFailure === undefined ||
          (lastSuccessAt !== undefined && lastSuccessAt > lastFailure.at) ||
          now - lastFailure.at >= FAILURE_READINESS_MS,
        endpoint: shownUrl(fixedEndpoint ?? discovery?.known() ?? issuer!),
        calls,
        failures,
        ...(lastSuccessAt !== undefined && { lastSuccessAt }),
        ...(lastFailure && { lastFailureAt: lastFailure.at, lastError: lastFailure.error }),
      };
      return [health];
    },
  };
}

/**
 * How long a failed introspection makes the endpoint not ready, without a later success: as long as the
 * longest pause of retries after failures, after which a request is let through to ask again.
 */
const FAILURE_READINESS_MS = MAX_BACK_OFF_DELAY_MS;

/** A 5xx or 429 answer: the server is there but cannot answer now, and may say when to ask again. */
class UnavailableAnswer extends Error {
  /** How long its `Retry-After` asks to wait (only a 503 or 429 may ask), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(url: string, response: HttpResponse) {
    const retryAfter =
      response.status === 503 || response.status === 429
        ? retryAfterMs(response.header('retry-after'), sentAt(response.header('date')))
        : undefined;
    super(
      retryAfter === undefined
        ? `${shownUrl(url)} answered HTTP ${response.status}`
        : `${shownUrl(url)} answered HTTP ${response.status}, asking to be called again in ${Math.ceil(retryAfter / 1000)} s`,
    );
    this.retryAfterMs = retryAfter;
  }
}

/** The client authentication could not be added to a request (a key that cannot sign): nothing was sent. */
class CredentialsNotPrepared extends Error {
  constructor(cause: unknown) {
    super('the client authentication could not be prepared', { cause });
  }
}

/**
 * Whether a failed attempt may go better the next time: not when the answer was too large, the request
 * unsent, or the HTTP client closed (at shutdown: it stays closed, and asking it again until the timeout
 * only holds the request up).
 */
function wantsAnotherAttempt(error: unknown): boolean {
  if (error instanceof CredentialsNotPrepared || clientClosed(error)) return false;
  return !(error instanceof HttpClientError && error.code === 'ERR_RS_HTTP_TOO_LARGE');
}

function clientClosed(error: unknown): boolean {
  return error instanceof HttpClientError && error.code === 'ERR_RS_HTTP_CLOSED';
}

/** The wait after `failures` failures in a row: 1 s, doubled for each further one, up to 10 s. */
function backOffDelay(failures: number): number {
  return Math.min(BACK_OFF_DELAY_MS * 2 ** Math.min(failures - 1, 30), MAX_BACK_OFF_DELAY_MS);
}

/** Refusals that say the endpoint could not be used, not that the token is bad. */
const ENDPOINT_FAILURES: ReadonlySet<FailureCode> = new Set<FailureCode>([
  'introspection_unavailable',
  'introspection_misconfigured',
]);

/**
 * Every option that can change an answer. Of the client authentication only the client counts: the
 * server may answer each client differently (its audience), but not each of its credentials. Of an RFC
 * 9701 set-up, the keys that verify answers count, not those that decrypt them: the server encrypts one
 * client's answers to whatever key that client registered, and an answer this resolver cannot decrypt is
 * a failure no cache keeps. (A `CryptoKey` has no stable description: counting decryption keys would
 * leave the resolver without a namespace, and a shared store refused, for keys the docs allow.)
 */
function introspectionCacheNamespace(options: IntrospectionResolverOptions): CacheNamespace | undefined {
  const {
    clientAuthentication,
    httpClient: _httpClient,
    onError: _onError,
    // Only decides whether the endpoint is asked at all: an answer it lets through is the same.
    maxConcurrentCalls: _maxConcurrentCalls,
    jwtResponse,
    ...settings
  } = options;
  const { method, clientId, token } = clientAuthentication as Record<string, unknown>;
  const { decryptionKeys: _decryptionKeys, ...answerVerification } = jwtResponse ?? {};
  // A `bearer` client is known to the server by its token (only its digest enters the namespace).
  return cacheNamespaceOf('introspection', {
    settings: { ...settings, jwtResponse: jwtResponse === undefined ? undefined : answerVerification },
    client: { method, clientId, token },
  });
}

/**
 * Whether the endpoint refused this resource server's client authentication: a 401, or a 400 saying
 * `invalid_client`, which RFC 6749 §5.2 lets a server answer when the client did not authenticate with
 * the `Authorization` header (`client_secret_post`, its secret in the body).
 * Another 400 (`invalid_request`, `unsupported_token_type`) is no refusal of the credentials: a secret
 * read again would not change it.
 */
function refusedClientAuthentication(response: HttpResponse): boolean {
  return response.status === 401 || (response.status === 400 && oauthError(response) === 'invalid_client');
}

/** The OAuth `error` code of an error answer, when it is small JSON that has one. */
function oauthError(response: HttpResponse): string | undefined {
  if (response.body.byteLength > 4096) return undefined;
  const error = parseJsonObject(response.body)?.error;
  return typeof error === 'string' ? error : undefined;
}

function loudMisconfigurationReporter(): (error: IntrospectionError) => void {
  return misconfigurationReporter(
    'token introspection is misconfigured',
    // A certificate the client refused is an outage by its code (nothing the client did), but no retry
    // mends it: written too.
    (error: IntrospectionError) =>
      error.code === 'ERR_RS_INTROSPECTION_MISCONFIGURED' || refusedCertificateAlong(error.cause),
  );
}
