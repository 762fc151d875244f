import { coverageOf, packageTestConfig } from '../../vitest.shared.js';

// Measured on the whole core suite: 95.8 % lines, 90.5 % branches, 95.2 % functions,
// 94.1 % statements. (The Node request and TLS helpers are exercised by the adapters' suites.)
export default packageTestConfig({
  setupFiles: ['test/runtime-signature-setup.ts'],
  coverage: coverageOf({ lines: 94, branches: 89, functions: 94, statements: 93 }),
});
