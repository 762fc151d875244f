import { requireOption } from '../config/config-error.js';
import type { VerifiedDpopProof } from '../dpop/dpop-proof.js';
import { type Failure, failure } from '../errors/failure.js';
import type { CertificateSource } from '../mtls/certificate-source.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';

/**
 * Which sender-constrained tokens a server or route demands: `'mtls'` certificate-bound (RFC 8705),
 * `'dpop'` DPoP-bound and presented with a proof (RFC 9449), `'any'` either.
 */
export type SenderConstraint = 'mtls' | 'dpop' | 'any';

/** Every {@link SenderConstraint}. */
export const SENDER_CONSTRAINTS: readonly SenderConstraint[] = ['mtls', 'dpop', 'any'];

/** Validates a `requireSenderConstrained` value (server option or route policy). */
export function senderConstraintOption(value: unknown, option: string): SenderConstraint | undefined {
  if (value === undefined) return undefined;
  requireOption(
    SENDER_CONSTRAINTS.includes(value as SenderConstraint),
    option,
    `must be one of ${SENDER_CONSTRAINTS.map((constraint) => `"${constraint}"`).join(', ')}`,
  );
  return value as SenderConstraint;
}

/**
 * Confirms a token bound to a public key (`cnf.jwk`, as ForgeRock Access Management issues) when the
 * request carries no DPoP proof: the application's own proof of possession, such as a signed request
 * header it checks with `jwk`. Resolve `true` only when the request proves possession.
 */
export type JwkConfirmationVerifier = (
  jwk: Readonly<Record<string, unknown>>,
  request: RsRequest,
  token: TokenInfo,
) => boolean | Promise<boolean>;

/** How the token was presented: the scheme, and the checked DPoP proof for the DPoP scheme. */
export interface Presentation {
  readonly request: RsRequest;
  readonly scheme: 'Bearer' | 'DPoP';
  readonly proof: VerifiedDpopProof | undefined;
}

/** What the confirm stage draws on. */
export interface ConfirmationSettings {
  readonly certificates: CertificateSource;
  readonly jwkVerifier: JwkConfirmationVerifier | undefined;
  /**
   * Whether the resource server accepts DPoP (its `dpop` option). Without it a DPoP-bound token cannot
   * be presented in any way the server checks, and a refusal must not advise the DPoP scheme.
   */
  readonly dpop: boolean;
}

/** The request a confirmation method checks, with the token and what the confirm stage draws on. */
export interface ConfirmationCheck {
  readonly token: TokenInfo;
  readonly presented: Presentation;
  readonly settings: ConfirmationSettings;
}

/**
 * One confirmation method (RFC 7800 §3): the `cnf` member that names it and how a request proves
 * possession of what it names. A new method is one file holding one of these and one entry in the
 * table of `confirmation-methods.ts`.
 */
export interface ConfirmationMethod {
  /** The `cnf` member, as the IANA "JWT Confirmation Methods" registry names it. */
  readonly member: string;
  /** Other spellings some servers use; one counts only when the registered member is absent. */
  readonly aliases?: readonly string[] | undefined;
  /** True when a DPoP proof can prove possession: a DPoP-scheme request needs a token bound this way. */
  readonly provesWithDpop: boolean;
  /** The demands (`requireSenderConstrained`) that a token bound this way meets. */
  readonly satisfies: readonly SenderConstraint[];
  /** Refuses a presentation that cannot prove this method, before any method checks the request. */
  checkPresentation?(presented: Presentation, settings: ConfirmationSettings): Failure | undefined;
  /** Checks that the request proves possession of `value`, the member's value in `cnf`. */
  verify(value: unknown, check: ConfirmationCheck): Promise<Failure | undefined> | Failure | undefined;
}

/** The DPoP proof is signed with another key than the one the token is bound to. */
export function dpopKeyMismatch(): Failure {
  return failure(
    'dpop_key_mismatch',
    'The DPoP proof is not signed with the key the access token is bound to',
  );
}
