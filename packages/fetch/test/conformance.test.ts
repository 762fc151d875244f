import { createFetchResourceServer } from '../src/index.js';
import { runFetchConformance } from './support/conformance-app.js';

// The Fetch interface itself (real Request objects) and the same handler behind a real HTTP server.
runFetchConformance('fetch', createFetchResourceServer);
