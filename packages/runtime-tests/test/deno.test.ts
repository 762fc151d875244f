import { runtimeCases } from './support/runtime-cases.js';

runtimeCases('deno', 'fetch', { pureCore: true });
runtimeCases('deno', 'hono');
