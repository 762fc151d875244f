import type Forge from 'node-forge';
import { loadOptionalPeer } from './optional-peer.js';

let forge: typeof Forge | undefined;

/**
 * node-forge, loaded on first use: only the PKCS#12 keystore reader needs it, so it is an optional peer
 * dependency of @rs/core rather than part of every install.
 */
export function nodeForge(): typeof Forge {
  forge ??= loadOptionalPeer<typeof Forge>('node-forge', 'pkcs12SecretStore');
  return forge;
}
