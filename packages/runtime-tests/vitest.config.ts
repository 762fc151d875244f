import { packageTestConfig } from '../../vitest.shared.js';

// Each file starts a runtime, an authorization server and a JWK set server: one file at a time keeps
// the 2-core CI machine from timing out the runtimes' start-up.
export default packageTestConfig({ fileParallelism: false });
