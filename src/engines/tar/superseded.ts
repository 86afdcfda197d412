// Which members of a chain's levels a restore need not write (issue 18, "each file written
// once"): a file that a later level writes again, or that a later level's purge removes,
// would only be written to be thrown away.
//
// The plan comes from the snapshots alone (each level's `engine_metadata`): they hold the same
// Y/N/D entries as the levels' 'D' members (docs/GNU-TAR.md §3, §6), so the extraction of the
// whole chain (docs/GNU-TAR.md §5) can be played on a tree of names before any byte is read:
// every 'D' member makes its directory and purges it, every Y entry writes a file. A Y entry of
// level i is skipped when the file it writes is not the one at its path at the end.
//
// Why extracting with skips gives the same tree as extracting everything: the two extractions
// differ only at a skipped path p, where the full one has level i's file and the skipping one has
// nothing or an older non-directory. A purge decides on a name's letter and on whether it is a
// directory, which p is in neither, so every later purge removes or keeps p in both alike; a
// later member at p unlinks whatever is there. Since level i's file does not survive, some later
// removal or write makes the two equal again. Directories are never skipped, and a directory's
// mode and times are set after the last member of its level, so they do not differ either.
//
// What the snapshots cannot tell, and the extractor has to check:
// - A Y entry without a member: a socket (named but never stored), a file that vanished or could
//   not be read during the backup. Extracting everything leaves the older file there; with skips
//   it was never written. `needed[k]` lists the paths whose level-k member must be there
//   because an earlier level skipped them counting on it; if one is missing when level k ends,
//   the tree differs and the restore must start again without skips.
// - A hard link ('1') whose target this level skips: its target is the first name of the inode
//   in the same archive, so the extractor must look its linkname up in the level's skip set
//   (not on disk, where an older file or one that was in the target before may sit) and redo
//   that level without skips.
// - The planner trusts that each 'D' member carries its snapshot record's entries.
//
// Anything the play cannot follow returns null (extract everything, as before): a missing
// snapshot, a malformed name, a name listed twice, an inode under two names in one level, a
// directory inode that is under another name than in the previous level (GNU tar then writes
// R/T rename records, which move whole trees before the purge; the device is not compared,
// as with --no-check-device), a member that would go through or onto something the play does
// not expect. Only the tar engine uses it: an rsync 'E' member patches the previous content.
import type { Snapshot, SnapshotDirectory } from './snapshot.js';
import { memberComponents } from './target-tree.js';

export interface SupersededPlan {
  /** Per level: non-directory member paths (`memberKey`) not to write. The last level's is empty. */
  skip: Set<string>[];
  /** Per level: paths whose member this level's archive must hold (see the module comment). */
  needed: Set<string>[];
}

/** The key of a member name in the plan: `./sub/file.txt` → `sub/file.txt`, the root → ``. */
export function memberKey(name: string): string {
  return memberComponents(name).join('/');
}

/** Snapshots of the chain, level 0 first. */
export function planSuperseded(snapshots: readonly (Snapshot | null)[]): SupersededPlan | null {
  try {
    return play(snapshots);
  } catch (err) {
    if (err instanceof CannotPlan) return null;
    throw err;
  }
}

class CannotPlan extends Error {}

interface DirRecord {
  key: string;
  ino: bigint;
  components: string[];
  letters: Map<string, string>;
}

interface Dir {
  dir: true;
  children: Map<string, Node>;
}
interface File {
  dir: false;
  level: number;
  /** It replaced a file an earlier level wrote. */
  overwrote: boolean;
}
type Node = Dir | File;

function play(snapshots: readonly (Snapshot | null)[]): SupersededPlan {
  const root: Dir = { dir: true, children: new Map() };
  const written: string[][] = [];
  let previousInodes = new Map<bigint, string>();
  for (let level = 0; level < snapshots.length; level++) {
    const snapshot = snapshots[level];
    if (!snapshot) throw new CannotPlan();
    const records = levelRecords(snapshot.directories);
    previousInodes = checkNoRenames(records, previousInodes);
    written.push(extractLevel(root, records, level));
  }
  const survivors = snapshots.map(() => new Set<string>());
  const needed = snapshots.map(() => new Set<string>());
  collectSurvivors(root, '', survivors, needed);
  const skip = written.map((keys, level) => {
    const out = new Set<string>();
    for (const key of keys) if (!survivors[level].has(key)) out.add(key);
    return out;
  });
  return { skip, needed };
}

function levelRecords(directories: readonly SnapshotDirectory[]): DirRecord[] {
  const byKey = new Map<string, DirRecord>();
  for (const d of directories) {
    const components = recordComponents(d.name);
    const key = components.join('/');
    if (byKey.has(key)) throw new CannotPlan();
    const letters = new Map<string, string>();
    for (const e of d.entries) {
      if (!plainName(e.name) || letters.has(e.name)) throw new CannotPlan();
      if (e.letter !== 'Y' && e.letter !== 'N' && e.letter !== 'D') throw new CannotPlan();
      letters.set(e.name, e.letter);
    }
    byKey.set(key, { key, ino: d.ino, components, letters });
  }
  // Archive order puts a directory before everything under it, which is all the play needs.
  return [...byKey.values()].sort((a, b) => a.components.length - b.components.length || (a.key < b.key ? -1 : 1));
}

function recordComponents(name: string): string[] {
  try {
    return memberComponents(name, 'snapshot directory');
  } catch {
    throw new CannotPlan();
  }
}

function plainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** Throws when an inode is two directories, or was another directory in the previous level. */
function checkNoRenames(records: readonly DirRecord[], previous: ReadonlyMap<bigint, string>): Map<bigint, string> {
  const inodes = new Map<bigint, string>();
  for (const r of records) {
    if (inodes.has(r.ino)) throw new CannotPlan();
    const before = previous.get(r.ino);
    if (before !== undefined && before !== r.key) throw new CannotPlan();
    inodes.set(r.ino, r.key);
  }
  return inodes;
}

/** Plays one level on the tree; returns the keys its Y entries write. */
function extractLevel(root: Dir, records: readonly DirRecord[], level: number): string[] {
  const dirs: Dir[] = [];
  for (const r of records) {
    const dir = makeDirectory(root, r.components);
    purge(dir, r.letters);
    dirs.push(dir);
  }
  const written: string[] = [];
  records.forEach((r, i) => {
    for (const [name, letter] of r.letters) {
      if (letter !== 'Y') continue;
      const before = dirs[i].children.get(name);
      // The purge removed any directory here; one made again since means a record for it too.
      if (before?.dir) throw new CannotPlan();
      dirs[i].children.set(name, { dir: false, level, overwrote: before !== undefined });
      written.push(r.key === '' ? name : `${r.key}/${name}`);
    }
  });
  return written;
}

/**
 * A 'D' member: its missing parents are made; the directory itself replaces a non-directory.
 * A non-directory on the way makes the real extraction fail, which the play does not follow.
 */
function makeDirectory(root: Dir, components: readonly string[]): Dir {
  let dir = root;
  components.forEach((c, i) => {
    const next = dir.children.get(c);
    if (next?.dir) {
      dir = next;
      return;
    }
    if (next && i < components.length - 1) throw new CannotPlan();
    const made: Dir = { dir: true, children: new Map() };
    dir.children.set(c, made);
    dir = made;
  });
  return dir;
}

/** docs/GNU-TAR.md §5: unlisted names go, Y on a directory goes, D on a non-directory goes. */
function purge(dir: Dir, letters: ReadonlyMap<string, string>): void {
  for (const [name, node] of dir.children) {
    const letter = letters.get(name);
    if (letter === 'N') continue;
    if (letter === undefined || (letter === 'Y' && node.dir) || (letter === 'D' && !node.dir)) dir.children.delete(name);
  }
}

function collectSurvivors(dir: Dir, key: string, survivors: Set<string>[], needed: Set<string>[]): void {
  for (const [name, node] of dir.children) {
    const path = key === '' ? name : `${key}/${name}`;
    if (node.dir) {
      collectSurvivors(node, path, survivors, needed);
      continue;
    }
    survivors[node.level].add(path);
    if (node.overwrote) needed[node.level].add(path);
  }
}
