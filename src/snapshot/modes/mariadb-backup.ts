// Runs Debian's mariadb-backup (argv arrays, no shell). Credentials reach it through a 0600
// option file given as --defaults-file, never on its command line, where every user of the
// machine could read them in /proc. Its chatter goes to the debug log; on failure the last
// lines name the cause.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { configError, sourceError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { onInterrupt } from '../../base/interrupt.js';
import type { MysqlConf } from './mysql-conf.js';

// Debian's name first; MariaDB before 10.5 and other distributions call it mariabackup.
const BINARIES = ['mariadb-backup', 'mariabackup'];

/** A value of a MySQL option file, quoted so that any byte of a password survives. */
function optionValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Writes the [client] option file (created 0600, never replacing a file). */
export function writeClientOptions(file: string, conf: MysqlConf): void {
  const lines = ['# Written by permafrost-agent for one mariadb-backup run; removed with it.', '[client]'];
  if (conf.user !== undefined) lines.push(`user=${optionValue(conf.user)}`);
  if (conf.password !== undefined) lines.push(`password=${optionValue(conf.password)}`);
  if (conf.socket !== undefined) lines.push(`socket=${optionValue(conf.socket)}`);
  else lines.push(`host=${optionValue(conf.host ?? 'localhost')}`, `port=${conf.port}`, 'protocol=TCP');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
}

interface ToolRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
}

function spawnTool(bin: string, args: string[], log: Logger): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const dropStep = onInterrupt(async () => {
      child.kill('SIGTERM');
    });
    const tail: string[] = [];
    let partial = '';
    const take = (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        log.debug(`${bin}: ${l}`);
        tail.push(l);
        if (tail.length > 30) tail.shift();
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => {
      dropStep();
      reject(err);
    });
    child.once('close', (status, signal) => {
      dropStep();
      if (partial) tail.push(partial);
      resolve({ status, signal, tail });
    });
  });
}

/** Runs mariadb-backup with `args` after --defaults-file; throws a clear error when it fails. */
export async function runMariadbBackup(defaultsFile: string, args: string[], log: Logger, what: string, stagingDir: string): Promise<void> {
  for (const bin of BINARIES) {
    let run: ToolRun;
    try {
      run = await spawnTool(bin, [`--defaults-file=${defaultsFile}`, ...args], log);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw sourceError(`cannot run ${bin}: ${(err as Error).message}`, err);
    }
    if (run.status === 0) return;
    const text = run.tail.join('\n');
    const last = run.tail
      .filter((l) => l.trim())
      .slice(-6)
      .join(' | ');
    const how = run.signal ? `was killed by ${run.signal}` : `exited ${run.status}`;
    if (/No space left|errno: ?28|\bENOSPC\b/i.test(text))
      throw sourceError(`${what}: ${stagingDir} ran out of space (${bin} ${how}); --mysql-staging-dir needs about the datadir's size free`);
    if (/Access denied/i.test(text))
      throw configError(`${what}: ${bin} ${how}: the server refused the credentials or a privilege: ${last}`);
    throw sourceError(`${what}: ${bin} ${how}: ${last}`);
  }
  throw configError(
    `--mode mysql without --snapshot needs mariadb-backup, which is not installed (Debian/Ubuntu: apt-get install mariadb-backup, of the same version as the server)`,
  );
}
