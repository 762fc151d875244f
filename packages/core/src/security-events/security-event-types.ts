/** CAEP: a session of the subject was revoked (OpenID CAEP 1.0 section 3.1). */
export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** CAEP: claims of the subject's tokens changed (section 3.2): cached answers are dropped and read anew. */
export const CAEP_TOKEN_CLAIMS_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/token-claims-change';
/** RISC: every token issued for the subject was revoked (OpenID RISC Profile 1.0 section 2.7). */
export const RISC_TOKENS_REVOKED = 'https://schemas.openid.net/secevent/risc/event-type/tokens-revoked';
