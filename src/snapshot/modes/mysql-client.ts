// The MariaDB/MySQL connection of --mode mysql, through the `mariadb` driver (imported only
// when the mode runs, so other runs never load it), and the server's facts the mode records:
// version, datadir, binary log position and GTID. Driver errors become the agent's classes:
// bad credentials or missing privileges are config errors (the --mysql-conf file is wrong), a
// server that cannot be reached is a source error.
import { configError, sourceError, type PermafrostError } from '../../base/errors.js';
import type { MysqlConf } from './mysql-conf.js';

/** The part of the driver's connection the mode uses. */
export interface SqlConnection {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  destroy(): void;
}

interface DriverError {
  code?: string;
  errno?: number;
  text?: string;
  message: string;
}

export function describeServer(conf: MysqlConf): string {
  return conf.socket ? `socket ${conf.socket}` : `${conf.host ?? 'localhost'}:${conf.port}`;
}

/** A driver error as one of the agent's errors, naming the server and the --mysql-conf file. */
export function sqlError(err: unknown, conf: MysqlConf, doing: string): PermafrostError {
  const e = err as DriverError;
  const why = e.text ?? e.message;
  const where = `the MySQL server at ${describeServer(conf)}`;
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR')
    return configError(`${where} refused the credentials of ${conf.file} (${why})`);
  if (e.code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || e.code === 'ER_TABLEACCESS_DENIED_ERROR')
    return configError(
      `${doing}: user ${conf.user ?? '(none)'} of ${conf.file} lacks a privilege (${why}); --mode mysql needs RELOAD, LOCK TABLES, PROCESS and BINLOG MONITOR (REPLICATION CLIENT on MySQL)`,
    );
  return sourceError(`${doing}: ${where}: ${why}`, err);
}

export async function connect(conf: MysqlConf, timeoutMs: number): Promise<SqlConnection> {
  const { mariadb } = await import('./mysql-driver.js');
  const where = conf.socket ? { socketPath: conf.socket } : { host: conf.host ?? 'localhost', port: conf.port };
  try {
    return await mariadb.createConnection({
      ...where,
      user: conf.user,
      password: conf.password,
      connectTimeout: timeoutMs,
      // BIGINT positions as numbers, not BigInt: binlog positions fit in 2^53.
      bigIntAsNumber: true,
      insertIdAsNumber: true,
    });
  } catch (err) {
    throw sqlError(err, conf, 'cannot connect');
  }
}

export interface ServerFacts {
  version: string;
  mariadb: boolean;
  datadir: string;
}

type Row = Record<string, unknown>;
const rows = async (c: SqlConnection, sql: string) => (await c.query(sql)) as Row[];

export async function serverFacts(c: SqlConnection): Promise<ServerFacts> {
  const [r] = await rows(c, 'SELECT VERSION() AS version, @@datadir AS datadir');
  const version = String(r.version);
  return { version, mariadb: /mariadb/i.test(version), datadir: String(r.datadir) };
}

export interface BinlogPosition {
  binlog_file: string | null;
  binlog_position: number | null;
  gtid: string | null;
}

/** The binary log's current position; its statement depends on the server and its version. */
export async function binlogPosition(c: SqlConnection, facts: ServerFacts): Promise<BinlogPosition> {
  // MariaDB 10.5.2+ and MySQL 8.2+ renamed SHOW MASTER STATUS (MySQL 8.4 removed it).
  const statements = facts.mariadb ? ['SHOW BINLOG STATUS', 'SHOW MASTER STATUS'] : ['SHOW BINARY LOG STATUS', 'SHOW MASTER STATUS'];
  let status: Row[] | undefined;
  let lastErr: unknown;
  for (const sql of statements) {
    try {
      status = await rows(c, sql);
      break;
    } catch (err) {
      if ((err as DriverError).code !== 'ER_PARSE_ERROR') throw err;
      lastErr = err;
    }
  }
  if (!status) throw lastErr;
  const [gtidRow] = await rows(c, facts.mariadb ? 'SELECT @@global.gtid_binlog_pos AS gtid' : 'SELECT @@global.gtid_executed AS gtid');
  const gtid = typeof gtidRow?.gtid === 'string' && gtidRow.gtid !== '' ? gtidRow.gtid : null;
  // No row: the binary log is off (no position to record).
  if (!status.length) return { binlog_file: null, binlog_position: null, gtid };
  return { binlog_file: String(status[0].File), binlog_position: Number(status[0].Position), gtid };
}
