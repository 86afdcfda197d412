// Exclusive locks on a storage (docs/ARCHITECTURE.md §6). A backup, and a retention run, holds the lock of
// its chain for its whole run, so two runs of one chain never pick the same name or parent.
// Local storage uses flock(2) (local-lock.ts), released by the kernel when the holder dies.
// Every other store gets lock objects, as restic and borg keep them:
//
//   <container>/.permafrost-locks/<name>/<id>     one line of JSON: holder, state, refreshed
//
// Taking one: write ours as `pending`, wait for listings to settle, give way to any other
// `held` lock or any older `pending` one; else mark ours `held`, settle again, and give way
// if another `held` lock shows up (both may give way then; each tries again after a random
// delay, as long as --lock-wait allows). A lock not refreshed for STALE_AFTER_MS (the holder
// refreshes it every REFRESH_EVERY_MS), or one of a dead process on this host, is stale: it
// is removed, with a warning, and does not block. Publishing is create-only on every
// store besides, so even two runs that both believed they held the lock cannot replace one
// another's backup.
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { lockedError } from '../base/errors.js';
import { readObject, isStorageFault, type HeldLock, type LockHolder, type LockRequest, type ObjectStore } from './storage.js';

export type { HeldLock, LockHolder, LockRequest } from './storage.js';

export const LOCK_DIR = '.permafrost-locks';
/** A lock object older than this (since its last refresh) no longer blocks anyone. */
export const STALE_AFTER_MS = 30 * 60_000;
export const REFRESH_EVERY_MS = 5 * 60_000;
/** How long a listing may lag behind a write (Swift's container updates are asynchronous). */
const SETTLE_MS = 250;

export function thisHolder(action: string, program: string): LockHolder {
  let user = String(process.getuid?.() ?? '?');
  try {
    user = os.userInfo().username;
  } catch {
    /* no passwd entry: the uid will do */
  }
  return { host: os.hostname(), pid: process.pid, user, started: new Date().toISOString(), action, program };
}

export function describeHolder(h: Partial<LockHolder>): string {
  return `${h.action ?? 'a run'} of ${h.program ?? 'an unknown program'} (pid ${h.pid ?? '?'} on ${h.host ?? '?'}, user ${h.user ?? '?'}, started ${h.started ?? '?'})`;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder on this machine whose process is gone: its lock can go at once. */
export function deadHere(h: Partial<LockHolder>): boolean {
  return h.host === os.hostname() && typeof h.pid === 'number' && h.pid > 0 && h.pid !== process.pid && !pidAlive(h.pid);
}

/** The wait before trying again: 0.5-1.5 s, random so that two waiting runs fall apart. */
export const retryDelay = () => 500 + Math.random() * 1000;

export function lockedMessage(what: string, holder: Partial<LockHolder> | null, waitedMs: number): string {
  const by = holder ? `by ${describeHolder(holder)}` : 'by another run';
  const waited = waitedMs > 0 ? ` (waited ${(waitedMs / 1000).toFixed(1)} s)` : '';
  return `${what} is locked ${by}${waited}; try again later, or wait for it with --lock-wait SECONDS`;
}

interface LockRecord extends LockHolder {
  id: string;
  state: 'pending' | 'held';
  refreshed: string;
}

const newId = () => `${String(Date.now()).padStart(14, '0')}-${randomBytes(6).toString('hex')}`;

async function readRecord(store: ObjectStore, path: string): Promise<LockRecord | null> {
  try {
    const r = JSON.parse((await readObject(store, path)).toString('utf8')) as LockRecord;
    return typeof r === 'object' && r !== null ? r : null;
  } catch (err) {
    if (isStorageFault(err) && err.fault === 'not-found') return null; // released meanwhile
    if (err instanceof SyntaxError) return null;
    throw err;
  }
}

function isStale(r: LockRecord, now: number): boolean {
  const refreshed = Date.parse(r.refreshed);
  return !(refreshed > now - STALE_AFTER_MS) || deadHere(r);
}

/** The live locks other than `ownId`; stale ones are removed on the way. */
async function othersLive(store: ObjectStore, dir: string, ownId: string, req: LockRequest): Promise<LockRecord[]> {
  const live: LockRecord[] = [];
  for (const id of await store.list(dir)) {
    if (id === ownId) continue;
    const r = await readRecord(store, `${dir}/${id}`);
    if (!r) continue;
    r.id = id;
    if (isStale(r, Date.now())) {
      req.onStale?.(`removing the stale lock ${dir}/${id} of ${describeHolder(r)}, last refreshed ${r.refreshed}`);
      await store.remove(`${dir}/${id}`);
      continue;
    }
    live.push(r);
  }
  return live.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A lock made of objects in `store` (any store: list, put, get and remove are enough). */
export async function lockWithObjects(store: ObjectStore, req: LockRequest): Promise<HeldLock> {
  const dir = `${LOCK_DIR}/${req.name}`;
  const started = Date.now();
  const what = `the chain ${req.name} on ${store.name}`;
  for (;;) {
    const id = newId();
    const path = `${dir}/${id}`;
    const record = (state: LockRecord['state']): Buffer =>
      Buffer.from(`${JSON.stringify({ ...req.holder, id, state, refreshed: new Date().toISOString() })}\n`);
    await store.putObject(path, record('pending'));
    let blocker: LockRecord | undefined;
    try {
      await sleep(SETTLE_MS);
      blocker = (await othersLive(store, dir, id, req)).find((r) => r.state === 'held' || r.id < id);
      if (!blocker) {
        await store.putObject(path, record('held'), { overwrite: true });
        await sleep(SETTLE_MS);
        blocker = (await othersLive(store, dir, id, req)).find((r) => r.state === 'held');
      }
    } catch (err) {
      await store.remove(path).catch(() => {});
      throw err;
    }
    if (!blocker) return holdObjectLock(store, path, () => record('held'), req);
    await store.remove(path);
    const waited = Date.now() - started;
    const delay = retryDelay();
    if (waited + delay > req.waitMs) throw lockedError(lockedMessage(what, blocker, req.waitMs > 0 ? waited : 0));
    await sleep(delay);
  }
}

function holdObjectLock(store: ObjectStore, path: string, record: () => Buffer, req: LockRequest): HeldLock {
  const timer = setInterval(() => {
    store
      .putObject(path, record(), { overwrite: true })
      .catch((err) => req.onStale?.(`cannot refresh the lock ${path}: ${(err as Error).message}`));
  }, REFRESH_EVERY_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await store.remove(path);
      // Stores with directories: the lock's own directories go when no other lock is in them.
      for (
        let dir = path.slice(0, path.lastIndexOf('/'));
        dir.startsWith(LOCK_DIR);
        dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')))
      ) {
        await store.pruneDir?.(dir);
      }
    },
  };
}

/** Takes `req` on every store in turn (their own kind of lock, else lock objects); all or none. */
export async function lockAll(stores: ObjectStore[], req: LockRequest): Promise<HeldLock> {
  const held: HeldLock[] = [];
  const releaseAll = async () => {
    const results = await Promise.allSettled(held.reverse().map((h) => h.release()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    for (const s of stores) held.push(await (s.lock ? s.lock(req) : lockWithObjects(s, req)));
  } catch (err) {
    await releaseAll().catch(() => {});
    throw err;
  }
  return { release: releaseAll };
}
