export * from './authorization-server.js';
export * from './conformance.js';
export * from './http-send.js';
export * from './jwks-server.js';
export * from './keys.js';
export * from './test-issuer.js';
export * from './tokens.js';
