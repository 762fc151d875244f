/**
 * @rs/express: protects Express 4 and 5 routes with OAuth 2.0 access tokens, through @rs/core.
 *
 * @packageDocumentation
 */
import './express-augmentation.js';

export { protectedResourceMetadataRoute } from './metadata-route.js';
export type {
  RejectionHandling,
  RsExpressOptions,
  RsExpressSettings,
} from './options.js';
export { RsRejectionError } from './rejection-error.js';
export {
  createExpressResourceServer,
  type ExpressResourceServer,
  type Protect,
  rsExpress,
} from './rs-express.js';
export { securityEventHandler } from './security-event-handler.js';
export { rsStatusHandler } from './status-handler.js';
