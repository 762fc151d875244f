import { packageBuildConfig } from '../../tsup.shared.js';

// Workers, Deno and Bun all run ES2022; nothing here needs a Node-specific target.
export default packageBuildConfig({ target: 'es2022', platform: 'neutral' });
