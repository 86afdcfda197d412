// The values of --cpu-affinity and --io-priority (permafrost extensions): parsed and checked
// here, where usage errors are made, so the addon only ever sees lists and classes it accepts.
import fs from 'node:fs';
import os from 'node:os';

/** Highest CPU number a Linux cpu_set_t holds (CPU_SETSIZE - 1). */
export const MAX_CPU = 1023;

export type IoClassName = 'rt' | 'be' | 'idle';

export interface IoPriority {
  ioClass: IoClassName;
  /** 0 (highest) .. 7; 0 for idle, which has no levels. */
  level: number;
}

/** ioprio_set's class numbers (linux/ioprio.h). */
export const IO_CLASS_NUMBER: Record<IoClassName, number> = { rt: 1, be: 2, idle: 3 };

/** The kernel's level when none is given (and ionice's). */
const DEFAULT_IO_LEVEL = 4;

export class ControlValueError extends Error {}

/**
 * A CPU list as taskset and /sys write them: `0,2-3`. Returns the CPUs ascending, each once.
 * Throws ControlValueError naming the part that is wrong.
 */
export function parseCpuList(text: string): number[] {
  const cpus = new Set<number>();
  if (text.trim() === '') throw new ControlValueError('empty CPU list (expected e.g. 0,2-3)');
  for (const raw of text.trim().split(',')) {
    const item = raw.trim();
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new ControlValueError(`"${item}" is not a CPU number or range (expected e.g. 0,2-3)`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (first > MAX_CPU || last > MAX_CPU) throw new ControlValueError(`"${item}": CPU numbers go up to ${MAX_CPU}`);
    if (last < first) throw new ControlValueError(`"${item}": a range must go upwards`);
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The shortest list form of ascending CPUs: [0, 2, 3] → `0,2-3`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(j === i ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** `idle`, `be`, `be:7`, `rt:0` (ionice's classes, case-insensitive). */
export function parseIoPriority(text: string): IoPriority {
  const m = /^\s*(idle|be|rt)(?::(\d+))?\s*$/i.exec(text);
  if (!m) throw new ControlValueError(`expected idle, be[:0-7] or rt[:0-7], got "${text}"`);
  const ioClass = m[1].toLowerCase() as IoClassName;
  if (ioClass === 'idle') {
    if (m[2] !== undefined) throw new ControlValueError(`the idle class has no levels, got "${text}"`);
    return { ioClass, level: 0 };
  }
  const level = m[2] === undefined ? DEFAULT_IO_LEVEL : Number(m[2]);
  if (level > 7) throw new ControlValueError(`the level of ${ioClass} is 0..7, got "${text}"`);
  return { ioClass, level };
}

/** The CPUs this machine has online (/sys), else 0..n-1 for the CPUs Node sees. */
export function onlineCpus(): number[] {
  try {
    return parseCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8'));
  } catch {
    return Array.from({ length: Math.max(1, os.cpus().length) }, (_, i) => i);
  }
}

/** Throws ControlValueError naming the first CPU of `cpus` that `online` lacks. */
export function checkCpusExist(cpus: readonly number[], online: readonly number[] = onlineCpus()): void {
  const have = new Set(online);
  const missing = cpus.find((c) => !have.has(c));
  if (missing !== undefined)
    throw new ControlValueError(`CPU ${missing} does not exist on this machine (its CPUs: ${formatCpuList(online)})`);
}
