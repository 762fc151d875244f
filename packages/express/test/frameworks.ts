import { createRequire } from 'node:module';
import express from 'express';
import express4 from 'express4';

/** An Express version every test runs against. */
export interface Framework {
  /** E.g. `express 4.22.3`, read from the installed package so a mix-up would show in the test names. */
  readonly name: string;
  readonly express: typeof express;
}

const require = createRequire(import.meta.url);
const versionOf = (name: string): string => (require(`${name}/package.json`) as { version: string }).version;

export const FRAMEWORKS: readonly Framework[] = [
  { name: `express ${versionOf('express')}`, express },
  // The runtime is what these tests exercise; Express 4's type package is checked by test/express4-types.
  { name: `express ${versionOf('express4')}`, express: express4 as unknown as typeof express },
];
