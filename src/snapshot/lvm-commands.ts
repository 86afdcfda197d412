// The LVM provider's programs, always as argv arrays (no shell): lvcreate, lvremove, lvs,
// mount, umount, blkid, found on PATH. The argv builders are apart from running them so the
// tests can hold the provider to exact command lines.
import { spawn } from 'node:child_process';
import type { Logger } from '../base/log.js';
import { sourceError } from '../base/errors.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const OUTPUT_CAP = 1 << 20;

/**
 * Runs `cmd args` and resolves its exit code and output; a program that cannot be started (not
 * installed) is a source error naming it. C locale: the provider reads lvm's messages.
 */
export function run(cmd: string, args: readonly string[], log: Logger): Promise<Ran> {
  log.debug(`lvm snapshot: running ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // lvm warns about every inherited descriptor; none is passed but stdio anyway.
      env: { ...process.env, LC_ALL: 'C', LVM_SUPPRESS_FD_WARNINGS: '1' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const keep = (into: Buffer[]) => (b: Buffer) => {
      if (size < OUTPUT_CAP) into.push(b);
      size += b.length;
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? sourceError(`LVM snapshot: ${cmd} was not found on PATH (is lvm2 installed?)`, e)
          : sourceError(`LVM snapshot: ${cmd} could not be started: ${e.message}`, e),
      );
    });
    child.once('close', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8').trim() || (signal ? `killed by ${signal}` : ''),
      });
    });
  });
}

/** lvcreate's size: `--extents` when it is a percentage (10%ORIGIN), else `--size`. */
export function lvcreateArgs(o: { size: string; perm: 'ro' | 'rw'; name: string; origin: string }): string[] {
  const size = o.size.includes('%') ? ['--extents', o.size] : ['--size', o.size];
  return [...size, '--snapshot', '--permission', o.perm === 'ro' ? 'r' : 'rw', '--name', o.name, o.origin];
}

/** Read-only unless rw was asked for; xfs adds nouuid (the origin with that UUID is mounted). */
export function mountArgs(o: { fsType: string | null; perm: 'ro' | 'rw'; device: string; dir: string }): string[] {
  const options = [o.perm, ...(o.fsType === 'xfs' ? ['nouuid'] : [])].join(',');
  return [...(o.fsType ? ['-t', o.fsType] : []), '-o', options, o.device, o.dir];
}

export const lvremoveArgs = (vg: string, name: string) => ['-f', `${vg}/${name}`];

/** Every LV of a VG with its origin: `name|origin` lines. */
export const lvsOfVgArgs = (vg: string) => ['--noheadings', '--separator', '|', '-o', 'lv_name,origin', vg];

/** A snapshot's state (5th attribute letter I: invalid) and fill level. */
export const lvsFillArgs = (vg: string, name: string) => ['--noheadings', '-o', 'lv_attr,data_percent', `${vg}/${name}`];

export const blkidArgs = (device: string) => ['-o', 'value', '-s', 'TYPE', device];
