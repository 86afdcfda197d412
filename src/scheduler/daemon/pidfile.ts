// The daemon's pid file, with its owner checked: a file left by a daemon that died (kill -9, a
// reboot) names a pid that is gone or now belongs to another program, and freezer-scheduler 13's
// `status` trusts it anyway. Here a pid counts only while /proc says it is a permafrost-scheduler.
import fs from 'node:fs';
import { isRunning, procArgv } from '../processes.js';

export interface PidFileState {
  /** The live daemon's pid, or null. */
  pid: number | null;
  /** The file names a pid that is not a live permafrost-scheduler. */
  stale: boolean;
}

const MARK = 'permafrost-scheduler';

/** Whether `pid` is a live process whose command line names the scheduler (a zombie is not live). */
export function isScheduler(pid: number): boolean {
  return isRunning(pid) && (procArgv(pid)?.some((arg) => arg.includes(MARK)) ?? false);
}

export function readPidFile(file: string): PidFileState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { pid: null, stale: false };
  }
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0 && isScheduler(pid)) return { pid, stale: false };
  return { pid: null, stale: true };
}

/**
 * Claims the pid file for this process: fails when a live scheduler holds it, replaces a stale
 * one. Written to a temp file and linked into place, so two daemons starting at once cannot both win.
 */
export function claimPidFile(file: string): { ok: true } | { ok: false; pid: number } {
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644 });
    try {
      fs.linkSync(tmp, file);
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readPidFile(file);
      if (held.pid !== null && held.pid !== process.pid) return { ok: false, pid: held.pid };
      fs.rmSync(file, { force: true }); // stale (or ours): take it over
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  throw new Error(`could not claim the pid file ${file}`);
}

/** Removes the pid file if it is still this process's. */
export function releasePidFile(file: string): void {
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    // Gone already.
  }
}
