// What `tar --incremental --extract` does when it reads a 'D' member (docs/GNU-TAR.md
// §5): the directory renames recorded in the dumpdir, then the purge of names that no longer
// exist in the backed-up directory.
import { promises as fsp, type Dirent } from 'node:fs';
import path from 'node:path';
import { integrityError } from '../../base/errors.js';
import type { DumpdirEntry } from './dumpdir.js';
import { lstatKind, memberComponents, type TargetTree } from './target-tree.js';

type RenameOp = { op: 'mktemp'; dir: string[] } | { op: 'rename'; src: string[] | null; dst: string[] | null };

/** R/T/X records as operations; null src/dst = the temporary directory. Validates every path. */
export function renameOps(dumpdir: readonly DumpdirEntry[], member: string): RenameOp[] {
  const ops: RenameOp[] = [];
  for (let i = 0; i < dumpdir.length; i++) {
    const e = dumpdir[i];
    if (e.letter === 'X') ops.push({ op: 'mktemp', dir: memberComponents(e.name || '.', `rename temporary directory in ${member}`) });
    if (e.letter === 'T') throw integrityError(`malformed dumpdir of "${member}": T record without R`);
    if (e.letter !== 'R') continue;
    const next = dumpdir[++i];
    if (!next || next.letter !== 'T') throw integrityError(`malformed dumpdir of "${member}": R record without T`);
    const src = e.name ? memberComponents(e.name, `rename source in ${member}`) : null;
    const dst = next.name ? memberComponents(next.name, `rename destination in ${member}`) : null;
    if (src?.length === 0 || dst?.length === 0) throw integrityError(`malformed dumpdir of "${member}": rename of the target itself`);
    ops.push({ op: 'rename', src, dst });
  }
  return ops;
}

/**
 * Performs the renames. A missing source is skipped (GNU tar reports "Cannot rename" and goes
 * on), so restoring a level into a tree that never had the old directory still works.
 */
export async function applyRenames(tree: TargetTree, ops: readonly RenameOp[], member: string): Promise<void> {
  let temp: string | null = null;
  for (const op of ops) {
    if (op.op === 'mktemp') {
      await tree.parentOf([...op.dir, 'tar.tmp'], member, false);
      temp = await fsp.mkdtemp(path.join(tree.abs(op.dir), 'tar.'));
      continue;
    }
    const srcAbs = op.src ? await existingPath(tree, op.src, member) : temp;
    if (!srcAbs) continue;
    const dstAbs = op.dst ? path.join(await tree.parentOf(op.dst, member), op.dst.at(-1)!) : temp;
    if (!dstAbs) throw integrityError(`malformed dumpdir of "${member}": temporary directory used before X`);
    await fsp.rename(srcAbs, dstAbs);
    tree.forgetAll();
  }
}

async function existingPath(tree: TargetTree, comps: string[], member: string): Promise<string | null> {
  const parent = await tree.parentOf(comps, member, false).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'ERR_UNSAFE_ARCHIVE') throw err;
    return null;
  });
  if (parent === null) return null;
  const abs = path.join(parent, comps.at(-1)!);
  return (await lstatKind(abs)) === 'missing' ? null : abs;
}

/**
 * Deletes from `dirAbs` what the dumpdir says is gone: names not listed, a directory where
 * a non-directory ('Y') is listed, a non-directory where 'D' is listed. 'N' entries are left
 * alone whatever they are. Symlinks are judged as themselves (lstat), never followed: a
 * symlink where 'D' is listed is removed, so the directory is recreated as a real one.
 */
export async function purgeDirectory(dirAbs: string, dumpdir: readonly DumpdirEntry[]): Promise<string[]> {
  const listed = new Map<string, string>();
  for (const e of dumpdir) if (e.letter === 'Y' || e.letter === 'N' || e.letter === 'D') listed.set(e.name, e.letter);
  const removed: string[] = [];
  for (const d of await fsp.readdir(dirAbs, { withFileTypes: true })) {
    const letter = listed.get(d.name);
    if (letter === 'N') continue;
    const isDir = await isRealDirectory(dirAbs, d);
    if (letter === undefined || (letter === 'Y' && isDir) || (letter === 'D' && !isDir)) {
      await fsp.rm(path.join(dirAbs, d.name), { recursive: true, force: true });
      removed.push(d.name);
    }
  }
  return removed;
}

async function isRealDirectory(dirAbs: string, d: Dirent): Promise<boolean> {
  if (d.isDirectory()) return true;
  if (d.isFile() || d.isSymbolicLink() || d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice()) return false;
  return (await lstatKind(path.join(dirAbs, d.name))) === 'dir';
}
