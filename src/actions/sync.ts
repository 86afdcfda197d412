// Freezer runs `sync` before every fs backup; we flush only the source's filesystem
// (`sync -f`, syncfs(2)) rather than every filesystem of the machine.
import { spawnSync } from 'node:child_process';
import type { Logger } from '../base/log.js';

export function syncFilesystem(source: string, log: Logger): void {
  const r = spawnSync('sync', ['-f', source], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) log.warn(`sync -f ${source} failed (${r.error?.message ?? r.stderr.toString().trim()}); continuing`);
}
