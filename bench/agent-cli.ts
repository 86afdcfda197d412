// argv for the agent under test, with Freezer's option names. The agent is started with
// this Node (process.execPath) rather than through the bin's shebang, so the harness and
// the agent always run on the same runtime.
import type { BenchConfig } from './config.js';

export type Codec = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

export interface BackupOptions {
  store: string;
  name: string;
  source: string;
  compression: Codec;
  threads?: number;
  maxSegmentSize?: number;
  /** Backup engine (the agent's default, tar, when absent). */
  engine?: 'tar' | 'rsync';
  /** Let the agent choose the level (the next level of an existing chain); default: a forced level 0. */
  incremental?: boolean;
  /** Another agent than BENCH_AGENT (BENCH_BEFORE's). */
  agentBin?: string;
}

export function agentBackupArgv(cfg: BenchConfig, o: BackupOptions): string[] {
  const argv = [
    process.execPath,
    o.agentBin ?? cfg.agentBin,
    '--action',
    'backup',
    '--mode',
    'fs',
    '--storage',
    'local',
    '--container',
    o.store,
    '--backup-name',
    o.name,
    '--path-to-backup',
    o.source,
    '--compression',
    o.compression,
    '--quiet',
  ];
  // Every timed backup is a level 0 into an empty store, but say so: an accidental L1 would be tiny.
  if (!o.incremental) argv.push('--no-incremental', 'true');
  if (o.engine !== undefined) argv.push('--engine', o.engine);
  if (o.threads !== undefined) argv.push('--threads', String(o.threads));
  if (o.maxSegmentSize !== undefined) argv.push('--max-segment-size', String(o.maxSegmentSize));
  return argv;
}

export function agentRestoreArgv(cfg: BenchConfig, o: { store: string; name: string; dest: string }): string[] {
  return [
    process.execPath,
    cfg.agentBin,
    '--action',
    'restore',
    '--storage',
    'local',
    '--container',
    o.store,
    '--backup-name',
    o.name,
    '--restore-abs-path',
    o.dest,
    '--quiet',
  ];
}

/** The agent's compressed tar streams are the `data` objects (metadata objects are not counted). */
export const isAgentDataObject = (name: string) => name === 'data';
