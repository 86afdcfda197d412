// --mode: the database modes behind one interface (../types.ts). `fs` does nothing; `mysql`
// (mysql.ts) and `mongo` (mongo.ts) load their drivers only when they run.
import type { AgentOptions } from '../../config/agent-options.js';
import { usageError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { DatabaseMode } from '../types.js';
import { mongoMode } from './mongo.js';
import { readMysqlConf } from './mysql-conf.js';
import { mysqlMode } from './mysql.js';

const fsMode: DatabaseMode = {
  name: 'fs',
  prepare: async () => {},
  quiesce: async (take) => ({ value: await take(), details: {} }),
  hotCopy: async () => null,
  close: async () => {},
};

/** A database on this host answers in seconds: the connection limit is short, whatever --timeout. */
const connectMs = (opts: AgentOptions, maxSeconds: number) => Math.min(opts.timeout, maxSeconds) * 1000;

export async function openMode(opts: AgentOptions, log: Logger): Promise<DatabaseMode> {
  if (opts.mode === 'fs') return fsMode;
  if (opts.mode === 'mysql') {
    if (!opts.mysql_conf) throw usageError('--mode mysql needs --mysql-conf');
    const conf = readMysqlConf(opts.mysql_conf, log);
    return mysqlMode(
      { conf, stagingDir: opts.mysql_staging_dir, timeoutMs: connectMs(opts, 10), lockWaitSeconds: Math.min(opts.timeout, 60) },
      log,
    );
  }
  if (opts.mode === 'mongo') {
    return mongoMode({ host: opts.mongo_host ?? opts.hostname, port: opts.mongo_port, timeoutMs: connectMs(opts, 5) }, log);
  }
  throw new Error(`mode ${opts.mode} has no implementation`);
}
