// What changed since the previous level, in restic's terms, for the summary and `metadata`:
// a name the scan found is new (its directory's previous dumpdir did not have it), changed
// (it had it, and the name is dumped again) or unchanged (not dumped); a name the previous
// dumpdir had that the scan did not find was removed. Only non-directories are counted (the
// 'D' entries are not), and excluded names, which are listed but never read, are not either.
import type { ScannedDir } from './scan.js';
import type { Snapshot } from './snapshot.js';

export interface EntryChanges {
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
}

export function noChanges(): EntryChanges {
  return { new: 0, changed: 0, unchanged: 0, removed: 0 };
}

/** Non-directory names of each directory of the previous snapshot. */
function previousNames(previous: Snapshot | null): Map<string, Set<string>> {
  const byDir = new Map<string, Set<string>>();
  for (const d of previous?.directories ?? []) {
    byDir.set(d.name, new Set(d.entries.filter((e) => e.letter !== 'D').map((e) => e.name)));
  }
  return byDir;
}

export function countChanges(directories: readonly ScannedDir[], previous: Snapshot | null): EntryChanges {
  const counts = noChanges();
  const before = previousNames(previous);
  for (const dir of directories) {
    const had = before.get(dir.rel) ?? new Set<string>();
    before.delete(dir.rel);
    for (const e of dir.entries) {
      if (e.letter === 'D') continue;
      const existed = had.delete(e.name);
      if (e.excluded) continue;
      if (e.letter === 'N') counts.unchanged++;
      else if (existed) counts.changed++;
      else counts.new++;
    }
    counts.removed += had.size;
  }
  // Directories that are gone took their names with them.
  for (const names of before.values()) counts.removed += names.size;
  return counts;
}
