// --mode mysql without --snapshot: a hot copy by mariadb-backup, prepared, in a private staging
// directory (--mysql-staging-dir, default /var/lib/permafrost/mysql-staging, 0700). The server
// keeps taking writes while it is copied: mariadb-backup copies InnoDB's files with their redo
// log and blocks commits only for its short final step; `--prepare` then applies the log, so
// the copy is a datadir MariaDB starts on, consistent at the binary log position it records.
// Freezer instead held FLUSH TABLES WITH READ LOCK for the whole file backup.
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { configError, notSupportedError, sourceError } from '../../base/errors.js';
import { formatBytes } from '../../base/human.js';
import { makeDirs, MakeDirsError } from '../../base/make-dirs.js';
import type { PointInTime, SnapshotRequest } from '../types.js';
import { runMariadbBackup, writeClientOptions } from './mariadb-backup.js';
import type { MysqlConf } from './mysql-conf.js';
import type { ServerFacts } from './mysql-client.js';

const PREFIX = 'permafrost-mysql-';

/** Names mariadb-backup gives the binary log position of the copy (newer name first). */
const BINLOG_INFO = ['mariadb_backup_binlog_info', 'xtrabackup_binlog_info'];

export function readBinlogInfo(dir: string): Record<string, unknown> {
  for (const name of BINLOG_INFO) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    // One line: file, position and (10.0+) the GTID position, tab-separated.
    const [binlogFile, pos, gtid] = readFileSync(file, 'utf8').trim().split('\t');
    return { binlog_file: binlogFile || null, binlog_position: pos ? Number(pos) : null, gtid: gtid || null };
  }
  // No file: the server's binary log is off.
  return { binlog_file: null, binlog_position: null, gtid: null };
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Bytes mariadb-backup will copy, about: the datadir less the binary logs (never copied). */
async function datadirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await datadirBytes(p);
    else if (e.isFile() && !/\.(\d{6}|index)$/.test(e.name)) total += (await fsp.stat(p)).size;
  }
  return total;
}

/**
 * A chain's part of its hot copies' names: the chain name (`<engine>/<host>_<name>`) made one
 * path component, and a hash of it, so that no chain takes another's copy for a leftover.
 */
export function chainTag(chainName: string): string {
  const hash = createHash('sha256').update(chainName).digest('hex').slice(0, 8);
  return `${chainName.replace(/[^A-Za-z0-9._-]/g, '_')}_${hash}`;
}

async function removeLeftovers(base: string, chainName: string, req: SnapshotRequest): Promise<void> {
  for (const name of await fsp.readdir(base)) {
    if (!name.startsWith(`${PREFIX}${chainTag(chainName)}-`)) continue;
    req.log.warn(`removing ${path.join(base, name)}, a hot copy left by an earlier run of this chain that did not end`);
    await fsp.rm(path.join(base, name), { recursive: true, force: true });
  }
}

async function stagingBase(dir: string, datadir: string): Promise<string> {
  const base = path.resolve(dir);
  if (inside(base, datadir) || inside(datadir, base))
    throw configError(`--mysql-staging-dir ${base} and the datadir ${datadir} must not contain each other`);
  try {
    await makeDirs(base, 0o700);
  } catch (err) {
    if (err instanceof MakeDirsError) throw configError(err.describeFor('--mysql-staging-dir'));
    throw err;
  }
  // An existing directory keeps its mode (it may be shared, /tmp say): each copy is made in a
  // directory of its own, 0700 (mkdtemp).
  return realpathSync(base);
}

async function checkSpace(base: string, datadir: string): Promise<void> {
  const need = await datadirBytes(datadir).catch((err: Error) => {
    throw sourceError(`cannot read the datadir ${datadir} to size its hot copy: ${err.message}`, err);
  });
  const st = await fsp.statfs(base);
  const free = st.bavail * st.bsize;
  if (free < need)
    throw sourceError(
      `--mysql-staging-dir ${base} has ${formatBytes(free)} free; the hot copy of ${datadir} needs about ${formatBytes(need)} (give --mysql-staging-dir on a file system with room, or use --snapshot)`,
    );
}

export async function mariadbHotCopy(conf: MysqlConf, facts: ServerFacts, stagingDir: string, req: SnapshotRequest): Promise<PointInTime> {
  if (!facts.mariadb)
    throw notSupportedError(
      `--mode mysql without --snapshot makes its copy with mariadb-backup, which supports MariaDB only; the server is ${facts.version} (use --snapshot)`,
    );
  const datadir = realpathSync(facts.datadir);
  if (realpathSync(req.source) !== datadir)
    throw sourceError(
      `--path-to-backup ${req.source} is not the server's datadir ${datadir}: without --snapshot, --mode mysql backs up the server's datadir through mariadb-backup (give --path-to-backup ${datadir})`,
    );
  const base = await stagingBase(stagingDir, datadir);
  await removeLeftovers(base, req.chainName, req);
  await checkSpace(base, datadir);
  const root = await fsp.mkdtemp(path.join(base, `${PREFIX}${chainTag(req.chainName)}-`));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await fsp
      .rm(root, { recursive: true, force: true })
      .catch((err: Error) => req.log.warn(`could not remove the hot copy ${root}: ${err.message}`));
  };
  try {
    const defaults = path.join(root, 'client.cnf');
    const target = path.join(root, 'data');
    writeClientOptions(defaults, conf);
    req.log.info(`mysql: hot copy of ${datadir} by mariadb-backup into ${target}`);
    await runMariadbBackup(defaults, ['--backup', `--target-dir=${target}`], req.log, 'mariadb-backup --backup', base);
    await runMariadbBackup(defaults, ['--prepare', `--target-dir=${target}`], req.log, 'mariadb-backup --prepare', base);
    await fsp.rm(defaults, { force: true });
    const details = { mode: 'mysql', method: 'mariadb-backup', server_version: facts.version, ...readBinlogInfo(target) };
    req.log.info(`mysql: hot copy prepared at ${JSON.stringify(details)}`);
    return { path: target, details, check: async () => {}, release };
  } catch (err) {
    await release();
    throw err;
  }
}
