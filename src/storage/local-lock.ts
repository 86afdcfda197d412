// The lock of local storage: flock(2) on `<container>/.permafrost-locks/<name>.lock`, which the
// kernel releases when the holder exits or is killed, so a dead holder never blocks anyone.
// The file holds the holder's description for the message of whoever waits. Nothing is left
// behind: the holder unlinks the file before it lets go, and whoever locked an unlinked
// file (it opened the name before the unlink) sees that the name now leads elsewhere and
// tries again; the directories go when empty.
import fs from 'node:fs/promises';
import path from 'node:path';
import { native } from '../native.js';
import { lockedError, storageError } from '../base/errors.js';
import { makeDirs, MakeDirsError } from '../base/make-dirs.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCK_DIR, HeldLock, LockHolder, LockRequest, lockedMessage } from './lock.js';

/** flock has no timeout: --lock-wait polls at this pace. */
const POLL_MS = 100;
/** Rounds lost to a file or directory that went away under us before giving up. */
const MAX_VANISHED = 50;
/**
 * Looks taken when giving up, but with no holder to name: it took the lock and has not written
 * its name yet, or it is letting go. Looking again a few times is cheap and gives a message
 * that names the holder (or the lock).
 */
const UNNAMED_LOOKS = 20;
const UNNAMED_PAUSE_MS = 5;

async function holderOf(file: string): Promise<Partial<LockHolder> | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockHolder>;
  } catch {
    return null; // not written yet, or released meanwhile
  }
}

async function sameFile(fh: fs.FileHandle, file: string): Promise<boolean> {
  const [mine, named] = await Promise.all([fh.stat(), fs.stat(file).catch(() => null)]);
  return named !== null && named.ino === mine.ino && named.dev === mine.dev;
}

/** Removes the empty directories from `dir` up to and including `root/LOCK_DIR`. */
async function pruneDirs(root: string, dir: string): Promise<void> {
  const top = path.join(root, LOCK_DIR);
  for (let d = dir; d.startsWith(top); d = path.dirname(d)) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    } // not empty (another lock), or gone
  }
}

export async function lockLocalFile(root: string, storeName: string, req: LockRequest): Promise<HeldLock> {
  const file = path.join(root, LOCK_DIR, `${req.name}.lock`);
  const what = `the chain ${req.name} on ${storeName}`;
  const started = Date.now();
  let vanished = 0;
  let unnamed = 0;
  for (;;) {
    let fh: fs.FileHandle;
    try {
      await makeDirs(path.dirname(file));
      fh = await fs.open(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && ++vanished < MAX_VANISHED) continue;
      const detail = err instanceof MakeDirsError ? err.message : `${file}: ${(err as Error).message}`;
      throw storageError(`${storeName}: cannot take the lock of ${req.name}: ${detail}`, err);
    }
    let taken: boolean;
    try {
      taken = native.tryLock(fh.fd, true);
      if (taken && (await sameFile(fh, file))) {
        await fh.truncate(0);
        await fh.write(`${JSON.stringify(req.holder)}\n`, 0);
        return { release: () => release(root, file, fh) };
      }
    } catch (err) {
      await fh.close();
      throw storageError(`${storeName}: cannot take the lock of ${req.name}: ${file}: ${(err as Error).message}`, err);
    }
    await fh.close();
    if (taken) {
      // We locked a file its holder had just unlinked: the name is free now, or someone else's.
      if (++vanished >= MAX_VANISHED) throw storageError(`${storeName}: cannot take the lock of ${req.name}: ${file} keeps changing`);
      continue;
    }
    const waited = Date.now() - started;
    if (waited + POLL_MS > req.waitMs) {
      const holder = await holderOf(file);
      if (holder || ++unnamed > UNNAMED_LOOKS) throw lockedError(lockedMessage(what, holder, req.waitMs > 0 ? waited : 0));
      await sleep(UNNAMED_PAUSE_MS);
      continue;
    }
    await sleep(POLL_MS);
  }
}

async function release(root: string, file: string, fh: fs.FileHandle): Promise<void> {
  // Unlink before unlocking (closing): a waiter that then gets the lock sees the name is gone.
  await fs.unlink(file).catch(() => {});
  await fh.close();
  await pruneDirs(root, path.dirname(file));
}
