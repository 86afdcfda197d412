// The rsync engine (docs/FORMAT.md §5): the tar engine's GNU incremental archive in
// which a changed file is stored as a librsync delta ('E' member) against the previous level,
// new files whole, unchanged files named in their directory's dumpdir. engine_metadata holds
// the level's tar snapshot and every regular file's signature. Backing up, DeltaHook makes the
// deltas (delta-hook.ts); restoring, `deltaMembers` is the tar extractor's hook that applies
// them (delta-member.ts). Both reach the native jobs through the diff library (src/rsync/).
import { createTarBackup, type TarBackupOptions, type TarBackupResult } from '../tar/index.js';
import { parseSnapshot } from '../tar/snapshot.js';
import { DeltaHook, SIGNATURE_MAGIC } from './delta-hook.js';
import { parseManifest, serializeManifest } from './manifest.js';

export { DELTA_TYPEFLAG, deltaMembers } from './delta-member.js';
export { parseManifest, serializeManifest } from './manifest.js';
export type { RsyncManifest } from './manifest.js';

export interface RsyncBackupOptions extends Omit<TarBackupOptions, 'previousSnapshot' | 'fileHook'> {
  /** engine_metadata of the parent level (null: level 0). */
  previousManifest: Buffer | null;
  blockLength: number;
}

export interface RsyncBackupResult extends TarBackupResult {
  /** The new engine_metadata (snapshot + signatures). */
  manifest: Buffer;
  deltas: number;
  deltaBytes: number;
}

/** Names of regular files a snapshot lists as unchanged ('N'): their signatures carry over. */
function unchangedNames(snapshot: Buffer): string[] {
  const names: string[] = [];
  for (const dir of parseSnapshot(snapshot)?.directories ?? []) {
    for (const e of dir.entries) if (e.letter === 'N') names.push(`${dir.name}/${e.name}`);
  }
  return names;
}

export function createRsyncBackup(opts: RsyncBackupOptions): { stream: AsyncGenerator<Buffer>; result: Promise<RsyncBackupResult> } {
  const previous = opts.previousManifest ? parseManifest(opts.previousManifest, 'previous engine_metadata') : null;
  const hook = new DeltaHook(previous?.signatures ?? new Map<string, Buffer>(), previous?.blockLength ?? opts.blockLength);
  const tar = createTarBackup({ ...opts, previousSnapshot: previous?.snapshot ?? null, fileHook: hook });
  const result = tar.result.then(
    (r) => {
      for (const name of hook.dropChanged()) r.stats.warnings.push(`${name}: changed while it was read; the next level stores it whole`);
      for (const name of unchangedNames(r.snapshot)) {
        const sig = previous?.signatures.get(name);
        if (sig && !hook.signatures.has(name)) hook.signatures.set(name, sig);
      }
      const manifest = serializeManifest({
        blockLength: previous?.blockLength ?? opts.blockLength,
        magic: SIGNATURE_MAGIC,
        snapshot: r.snapshot,
        signatures: hook.signatures,
      });
      hook.close();
      return { ...r, manifest, deltas: hook.stats.deltas, deltaBytes: hook.stats.deltaBytes };
    },
    (err) => {
      hook.close();
      throw err;
    },
  );
  result.catch(() => undefined);
  return { stream: tar.stream, result };
}
