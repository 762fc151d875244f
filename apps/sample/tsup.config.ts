import { defineConfig } from 'tsup';

export default defineConfig({
  // The mint and proof commands are their own entries: they run without starting the servers.
  entry: { main: 'src/main.ts', 'mint-am-token': 'src/mint-am-token.ts', 'dpop-proof': 'src/dpop-proof.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
