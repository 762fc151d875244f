// Core's tests import the sources, not an entry point: install the node:crypto signature path and the
// Node proof of the compact JWS spelling as the Node build of the main entry does (src/index.node.ts),
// so that `signatureVerifier: 'auto'` and extraction keep meaning what they mean for Node users.
// test/jose/runtime-signature-check.test.ts checks each entry.
import { useCompactJwsSpellingProof } from '../src/encoding/compact-jws-spelling.js';
import { nodeCompactJwsSpellingProof } from '../src/encoding/node-compact-jws-spelling.js';
import { nodeSignatureCheck } from '../src/jose/node-signature-check.js';
import { useRuntimeSignatureCheck } from '../src/jose/runtime-signature-check.js';

useRuntimeSignatureCheck(nodeSignatureCheck);
useCompactJwsSpellingProof(nodeCompactJwsSpellingProof);
