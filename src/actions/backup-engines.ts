// The engines a backup can run, behind one shape: a stream of archive bytes and, once it has
// ended, the engine_metadata the next level starts from.
import type { ChunkPool } from '../bytes/chunk-pool.js';
import { createTarBackup, type SourceTotals, type TarBackupStats } from '../engines/tar/index.js';
import { createRsyncBackup } from '../engines/rsync/index.js';
import type { AgentOptions } from '../config/agent-options.js';

export interface EngineResult {
  engineMetadata: Buffer;
  stats: TarBackupStats;
  /** Engine-specific figures recorded in metadata (`permafrost.rsync` for the rsync engine). */
  engineStats: Record<string, number>;
}

export interface EngineRun {
  stream: AsyncGenerator<Buffer>;
  result: Promise<EngineResult>;
}

/**
 * When the upload fails first, nobody awaits the result: the stream's consumer already has the
 * storage's error, so the engine's own "closed before the end" must not crash the process as
 * an unhandled rejection.
 */
function settledQuietly<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function startEngine(
  opts: AgentOptions,
  source: string,
  previous: Buffer | null,
  live: TarBackupStats,
  chunkPool: ChunkPool,
  sourceTotals?: SourceTotals,
): EngineRun {
  const common = { root: source, exclude: opts.exclude, dereference: opts.dereference_symlink, stats: live, chunkPool, sourceTotals };
  if (opts.engine_name === 'rsync') {
    const run = createRsyncBackup({ ...common, previousManifest: previous, blockLength: opts.rsync_block_size });
    return {
      stream: run.stream,
      result: settledQuietly(
        run.result.then((r) => ({
          engineMetadata: r.manifest,
          stats: r.stats,
          engineStats: { deltas: r.deltas, delta_bytes: r.deltaBytes },
        })),
      ),
    };
  }
  const run = createTarBackup({ ...common, previousSnapshot: previous });
  return {
    stream: run.stream,
    result: settledQuietly(run.result.then((r) => ({ engineMetadata: r.snapshot, stats: r.stats, engineStats: {} }))),
  };
}
