// Helpers for the external commands the harness runs: peers need a shell for their pipes,
// everything else is spawned from argv arrays.
import { spawnSync } from 'node:child_process';
import { CommandFailed } from './measure.js';

/** POSIX single-quote escaping, for paths spliced into the fixed peer pipelines. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A pipeline under bash with pipefail, so a failing tar is not hidden by a
 * succeeding compressor (dash has no pipefail).
 */
export function shellPipeline(script: string): string[] {
  return ['bash', '-c', `set -eo pipefail; ${script}`];
}

/** Runs a command to completion outside any timing (setup, cache warming, cleanup). */
export function runUntimed(argv: readonly string[]): void {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new CommandFailed(`exit ${r.status}`, argv, r.stderr.trim());
}

export function haveCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shq(name)}`], { stdio: 'ignore' }).status === 0;
}

/** First line of `cmd --version` (or -V), for the report; '' if the tool does not say. */
export function toolVersion(argv: readonly string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}
