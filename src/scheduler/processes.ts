// What the scheduler knows of the processes it starts, from Linux's /proc and its process
// groups: whether a pid still runs (a zombie does not), which group it leads and what it runs,
// a signal to a whole group, and the last bytes of a child's output. The agent runner, the hook
// runner, the pid file and the daemon's restart all ask the same questions.
import fs from 'node:fs';

export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), … */
  state: string;
  ppid: number;
  pgrp: number;
  /** The fields after the command name, from `state` on (proc(5) numbers them from 3). */
  fields: string[];
}

/** /proc/PID/stat, or null when there is no such process. The command name may hold spaces and ')': it is skipped. */
export function procStat(pid: number): ProcStat | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), fields };
}

/** True while `pid` runs: a zombie (dead, not yet reaped) is not running. */
export function isRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** The arguments `pid` was started with, or null when it is gone. */
export function procArgv(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** `signal` to the process group `pid` leads; nothing when the group is gone already. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Collects the last `keep` bytes of a stream; the function returns them as text (once). */
export function streamTail(stream: NodeJS.ReadableStream, keep: number): () => string {
  let chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    while (size - chunks[0].length >= keep) size -= chunks.shift()!.length;
  });
  return () => {
    const all = Buffer.concat(chunks);
    chunks = [];
    return all.subarray(Math.max(0, all.length - keep)).toString('utf8');
  };
}
