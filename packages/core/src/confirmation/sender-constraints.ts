import type { Clock } from '../clock.js';
import { requireOption } from '../config/config-error.js';
import { boolean, either, func, type OptionSchema, oneOf, shape } from '../config/option-schema.js';
import { DPOP_OPTIONS, type DpopOptions, type DpopVerifier, dpopOption } from '../dpop/dpop-verifier.js';
import {
  CERTIFICATE_HEADER_OPTIONS,
  type CertificateHeaderOptions,
  certificateSource,
} from '../mtls/certificate-source.js';
import {
  type ConfirmationSettings,
  type JwkConfirmationVerifier,
  SENDER_CONSTRAINTS,
  type SenderConstraint,
  senderConstraintOption,
} from './confirmation-method.js';

/** The resource-server options for sender-constrained tokens (RFC 8705 and RFC 9449). */
export interface SenderConstraintOptions {
  /**
   * Read the client certificate from a header set by a TLS-terminating proxy, for certificate-bound
   * tokens. Off by default: without it only `RsRequest.clientCertificate`, the TLS connection's own,
   * counts, and a certificate header is ignored whatever it says.
   */
  readonly certificateHeader?: CertificateHeaderOptions | undefined;
  /**
   * Accept DPoP (RFC 9449): `Authorization: DPoP <token>` with one `DPoP` proof, and the `DPoP`
   * challenge beside the Bearer one. `true` for the defaults. Off by default, and a DPoP-bound token is
   * then always refused.
   */
  readonly dpop?: DpopOptions | boolean | undefined;
  /**
   * Refuse tokens that are not sender-constrained on every route: `'mtls'`, `'dpop'` or `'any'`. Routes
   * can demand it too (`policy.requireSenderConstrained`); both apply. Default: a token without `cnf` is
   * accepted as a bearer token.
   */
  readonly requireSenderConstrained?: SenderConstraint | undefined;
  /**
   * Confirms `cnf.jwk` tokens presented without a DPoP proof. Without it, such a token needs a DPoP
   * proof signed with that key.
   */
  readonly jwkConfirmation?: JwkConfirmationVerifier | undefined;
}

/** The rules of {@link SenderConstraintOptions}, part of the resource server's schema. */
export const SENDER_CONSTRAINT_OPTIONS: OptionSchema<SenderConstraintOptions> = {
  certificateHeader: shape(CERTIFICATE_HEADER_OPTIONS),
  dpop: either(boolean, shape(DPOP_OPTIONS)),
  requireSenderConstrained: oneOf(...SENDER_CONSTRAINTS),
  jwkConfirmation: func,
};

/** The sender-constraint options, settled. */
export interface SenderConstraints {
  readonly dpop: DpopVerifier | undefined;
  readonly confirmation: ConfirmationSettings;
  readonly required: SenderConstraint | undefined;
}

/** Checks the sender-constraint options at start-up and builds what the pipeline uses. */
export function senderConstraints(options: SenderConstraintOptions, clock: Clock): SenderConstraints {
  const dpop = dpopOption(options.dpop, clock);
  const required = senderConstraintOption(options.requireSenderConstrained, 'requireSenderConstrained');
  requireOption(
    required !== 'dpop' || dpop !== undefined,
    'requireSenderConstrained',
    '"dpop" needs the dpop option',
  );
  requireOption(
    options.jwkConfirmation === undefined || typeof options.jwkConfirmation === 'function',
    'jwkConfirmation',
    'must be a function',
  );
  return {
    dpop,
    confirmation: {
      certificates: certificateSource(options.certificateHeader),
      jwkVerifier: options.jwkConfirmation,
      dpop: dpop !== undefined,
    },
    required,
  };
}
