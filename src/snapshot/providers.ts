// The snapshot providers, by kind: the one place a kind is plugged in. Each entry loads its
// provider only when it is used, and says whether it can snapshot a source (for
// --snapshot auto, tried in this table's order).
import { notSupportedError, usageError } from '../base/errors.js';
import type { SnapshotProvider } from './types.js';
import type { SnapshotChoice } from './choice.js';
import type { AgentOptions } from '../config/agent-options.js';
import { BTRFS_SUPER_MAGIC, fsTypeOf, type FsType } from './fs-type.js';

export type ProviderKind = SnapshotProvider['kind'];

export interface ProviderEntry {
  /** The provider, set up from the options (checked: a bad value is a usage or config error). */
  load(opts: AgentOptions): Promise<SnapshotProvider>;
  /** --snapshot auto: whether this kind snapshots `source` (on a file system of type `fsType`). */
  covers(source: string, fsType: FsType): Promise<boolean>;
}

export const PROVIDERS: Partial<Record<ProviderKind, ProviderEntry>> = {
  btrfs: {
    load: async () => (await import('./btrfs.js')).btrfsProvider,
    covers: async (_source, fsType) => fsType.magic === BTRFS_SUPER_MAGIC,
  },
  lvm: {
    load: async (opts) => {
      const { createLvmProvider, lvmSettingsFrom } = await import('./lvm.js');
      return createLvmProvider(lvmSettingsFrom(opts));
    },
    covers: async (source) => (await import('./lvm.js')).isLogicalVolume(source),
  },
};

/** The provider --snapshot asks for, for `source` (its real path). */
export async function chooseProvider(choice: SnapshotChoice, source: string, opts: AgentOptions): Promise<SnapshotProvider> {
  if (choice !== 'auto') {
    const entry = PROVIDERS[choice];
    if (!entry) throw notSupportedError(`not supported yet: --snapshot ${choice} (this build has: ${Object.keys(PROVIDERS).join(', ')})`);
    return entry.load(opts);
  }
  const fsType = await fsTypeOf(source);
  for (const entry of Object.values(PROVIDERS)) if (await entry.covers(source, fsType)) return entry.load(opts);
  throw usageError(`--snapshot auto: ${source} is on ${fsType.name}, which has no snapshot provider`);
}
