import { runtimeCases } from './support/runtime-cases.js';

runtimeCases('bun', 'fetch', { pureCore: true });
runtimeCases('bun', 'hono');
