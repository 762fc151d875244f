import type { StoreConnectionHealth } from '@rs/core';
import { describeError } from '@rs/core/adapter';

/**
 * Remembers a connection's last error for the resource server's `status()`: only the error's class and
 * code (through `describeError`), since a driver's message may quote a connection string.
 */
export class ConnectionHealth {
  #lastError: { at: number; error: string } | undefined;

  failed(error: unknown): void {
    this.#lastError = { at: Date.now(), error: describeError(error) };
  }

  report(connected: boolean): StoreConnectionHealth {
    const last = this.#lastError;
    return {
      store: 'redis',
      ready: connected,
      connected,
      ...(last && { lastError: last.error, lastErrorAt: last.at }),
    };
  }
}
