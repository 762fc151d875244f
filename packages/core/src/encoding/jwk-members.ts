/**
 * The members of an asymmetric JWK that hold private key material (RFC 7518 section 6): a key that
 * has any of them is a private key, never something to publish or to accept as a public key.
 */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
