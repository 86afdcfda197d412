// File-system chores around the timed runs: cache state, scratch space, output sizes.
import fs from 'node:fs';
import path from 'node:path';
import { runUntimed, shellPipeline, shq } from './shell.js';

/**
 * Reads every file of the tree once so all timed runs start from a warm page cache.
 * Not `tar -cf /dev/null`: GNU tar notices a /dev/null archive and skips reading file data.
 */
export function warmPageCache(dir: string): void {
  runUntimed(shellPipeline(`tar -cf - -C ${shq(dir)} . | cat > /dev/null`));
}

/** Flushes dirty pages left by the previous run, so they do not slow the next run's writes. */
export function flushWrites(): void {
  runUntimed(['sync']);
}

/** Empties (or creates) a scratch directory. */
export function resetDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

/** Total size of regular files under dir whose name satisfies `want` (e.g. the agent's data objects). */
export function bytesUnder(dir: string, want: (name: string) => boolean = () => true): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && want(e.name)) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}
