import { defineConfig } from 'tsup';

export default defineConfig({
  // The mint command is its own entry: `node dist/mint-am-token.js` runs without starting the servers.
  entry: { main: 'src/main.ts', 'mint-am-token': 'src/mint-am-token.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
