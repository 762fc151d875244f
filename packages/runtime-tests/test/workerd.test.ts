import { runtimeCases } from './support/runtime-cases.js';

runtimeCases('workerd', 'fetch', { pureCore: true });
