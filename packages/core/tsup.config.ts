import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({ entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } });
