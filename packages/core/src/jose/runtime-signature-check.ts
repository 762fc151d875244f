import type { JwsSignatureCheck } from './compact-jws.js';

let installed: JwsSignatureCheck | undefined;

/**
 * The signature check of `signatureVerifier: 'auto'` when the runtime offers a faster one than jose's:
 * the `node:crypto` path, installed by the Node build of the main entry (the `node` export condition).
 * Bundles for Workers and browsers take the portable entry and so carry none of the Node path.
 * `undefined` there: jose's path.
 */
export function runtimeSignatureCheck(): JwsSignatureCheck | undefined {
  return installed;
}

/**
 * Sets what {@link runtimeSignatureCheck} returns. Called once by the Node build of the main entry,
 * before any resolver exists; not public API.
 *
 * @internal
 */
export function useRuntimeSignatureCheck(check: JwsSignatureCheck | undefined): void {
  installed = check;
}
