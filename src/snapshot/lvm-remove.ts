// Taking a snapshot down: umount, rmdir of a mount directory we made, lvremove -f, with a
// bounded number of attempts while the volume is still in use. Never throws: what could not be
// removed is said in a warning that tells the operator how to finish the job.
import { rmdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../base/log.js';
import { lvremoveArgs, run, type Ran } from './lvm-commands.js';

export interface Teardown {
  vg: string;
  name: string;
  /** Where it is mounted, if it is. */
  mounted: string[];
  /** Mount directories made by permafrost, removed once unmounted. */
  madeDirs: string[];
  attempts: number;
  waitMs: number;
  log: Logger;
}

const IN_USE = /\bin use\b|\bbusy\b/i;

async function tryRun(cmd: string, args: string[], log: Logger): Promise<Ran> {
  try {
    return await run(cmd, args, log);
  } catch (err) {
    return { code: 127, stdout: '', stderr: (err as Error).message };
  }
}

/** Retries while the answer says busy or in use, up to `attempts` times. */
async function withRetries(cmd: string, args: string[], t: Teardown): Promise<Ran> {
  let r: Ran = { code: 1, stdout: '', stderr: '' };
  for (let i = 1; i <= t.attempts; i++) {
    r = await tryRun(cmd, args, t.log);
    if (r.code === 0 || !IN_USE.test(r.stderr) || i === t.attempts) return r;
    t.log.debug(`lvm snapshot: ${cmd} ${args.join(' ')}: ${r.stderr}; trying again (${i}/${t.attempts})`);
    await sleep(t.waitMs);
  }
  return r;
}

const said = (r: Ran) => r.stderr.replace(/\.$/, '') || `exit ${r.code}`;
const quoted = (p: string) => (/^[\w./+-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`);

/** Resolves the problems left (empty: all removed); `t.mounted` keeps what is still mounted. */
export async function teardown(t: Teardown): Promise<string[]> {
  const problems: string[] = [];
  for (const dir of [...t.mounted]) {
    const r = await withRetries('umount', [dir], t);
    if (r.code !== 0) {
      // Still busy: detach it now so lvremove can go ahead once the last user lets go.
      const lazy = await tryRun('umount', ['-l', dir], t.log);
      if (lazy.code !== 0) {
        problems.push(`umount ${dir} failed: ${said(r)}`);
        continue;
      }
      t.log.warn(`lvm snapshot: ${dir} was busy (${said(r)}); detached it with umount -l`);
    }
    t.mounted.splice(t.mounted.indexOf(dir), 1);
  }
  for (const dir of t.madeDirs) {
    try {
      await rmdir(dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') problems.push(`rmdir ${dir} failed: ${e.message}`);
    }
  }
  const r = await withRetries('lvremove', lvremoveArgs(t.vg, t.name), t);
  if (r.code !== 0) problems.push(`lvremove -f ${t.vg}/${t.name} failed: ${said(r)}`);
  return problems;
}

/** Teardown with its problems said as one warning that names what is left. */
export async function teardownOrWarn(t: Teardown, what: string): Promise<boolean> {
  let problems: string[];
  try {
    problems = await teardown(t);
  } catch (err) {
    problems = [(err as Error).message];
  }
  if (problems.length === 0) return true;
  t.log.warn(
    `lvm snapshot: ${what} ${t.vg}/${t.name} was not removed completely: ${problems.join('; ')}. ` +
      `Remove it by hand: ${t.mounted.map((d) => `umount ${quoted(d)}; `).join('')}lvremove -f ${t.vg}/${t.name}`,
  );
  return false;
}
