export * from './conformance.js';
export * from './jwks-server.js';
export * from './keys.js';
export * from './tokens.js';
