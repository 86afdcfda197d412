// The package's version: from package.json, or in the binaries' bundle put there at build
// time (scripts/bundle.mjs), which saves every start a file read.
import { readFileSync } from 'node:fs';

declare const __BUILT_VERSION__: string | undefined;

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export const VERSION: string = typeof __BUILT_VERSION__ === 'string' ? __BUILT_VERSION__ : packageVersion();
