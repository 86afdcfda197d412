// Restores land in a staging directory beside the target and move in only when every level
// was verified and extracted: a failed restore leaves the target as it was.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { targetError, targetNotEmptyError } from '../base/errors.js';
import { makeDirs, MakeDirsError, mkdirFailure } from '../base/make-dirs.js';

export async function checkTarget(target: string, overwrite: boolean): Promise<'absent' | 'empty' | 'nonempty'> {
  let st;
  try {
    st = await fs.lstat(target);
  } catch {
    return 'absent';
  }
  if (!st.isDirectory()) throw targetError(`--restore-abs-path ${target} is a file, not a directory`);
  const entries = await fs.readdir(target);
  if (entries.length === 0) return 'empty';
  if (!overwrite) {
    throw targetNotEmptyError(
      `restore directory ${target} is not empty; use --overwrite to replace its contents (files not in the backup are removed)`,
    );
  }
  return 'nonempty';
}

/** The staging directory beside `target` (its parent made as needed); a failure names the target. */
export async function createStaging(target: string): Promise<string> {
  const parent = path.dirname(target);
  const dir = path.join(parent, `.${path.basename(target)}.permafrost-restore-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await makeDirs(parent);
  } catch (err) {
    if (err instanceof MakeDirsError) throw targetError(err.describeFor('--restore-abs-path', target), err);
    throw err;
  }
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw targetError(`--restore-abs-path ${target}: the staging directory beside it, in ${parent}, ${mkdirFailure(code, err)}`, err);
  }
  return dir;
}

/** `st` is taken before children move out of the source, which changes its mtime. */
async function applyDirAttributes(st: import('node:fs').Stats, to: string): Promise<void> {
  await fs.chmod(to, st.mode & 0o7777);
  if (process.getuid?.() === 0) await fs.lchown(to, st.uid, st.gid);
  await fs.utimes(to, st.atime, st.mtime);
}

/** Makes `dst` hold exactly what `src` holds (GNU tar --overwrite purge semantics), consuming `src`. */
async function replaceContents(src: string, dst: string): Promise<void> {
  const srcStat = await fs.lstat(src);
  const wanted = new Set(await fs.readdir(src));
  for (const name of await fs.readdir(dst)) {
    if (!wanted.has(name)) await fs.rm(path.join(dst, name), { recursive: true, force: true });
  }
  for (const name of wanted) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    const [ss, ds] = await Promise.all([fs.lstat(s), fs.lstat(d).catch(() => null)]);
    if (ss.isDirectory() && ds?.isDirectory()) {
      await replaceContents(s, d);
      await fs.rmdir(s);
      continue;
    }
    if (ds) await fs.rm(d, { recursive: true, force: true });
    await fs.rename(s, d);
  }
  await applyDirAttributes(srcStat, dst);
}

export async function commitStaging(staging: string, target: string, state: 'absent' | 'empty' | 'nonempty'): Promise<void> {
  if (state === 'nonempty') {
    await replaceContents(staging, target);
    await fs.rmdir(staging);
    return;
  }
  if (state === 'empty') await fs.rmdir(target);
  await fs.rename(staging, target);
}

export async function discardStaging(staging: string): Promise<void> {
  await fs.rm(staging, { recursive: true, force: true });
}
