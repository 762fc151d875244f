// Core's tests import the sources, not an entry point: install the node:crypto signature path as the
// Node build of the main entry does (src/index.node.ts), so that `signatureVerifier: 'auto'` keeps
// meaning what it means for Node users. test/jose/runtime-signature-check.test.ts checks each entry.
import { nodeSignatureCheck } from '../src/jose/node-signature-check.js';
import { useRuntimeSignatureCheck } from '../src/jose/runtime-signature-check.js';

useRuntimeSignatureCheck(nodeSignatureCheck);
