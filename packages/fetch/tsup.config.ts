import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Workers, Deno and Bun all run ES2022; nothing here needs a Node-specific target.
  target: 'es2022',
  platform: 'neutral',
  splitting: false,
});
