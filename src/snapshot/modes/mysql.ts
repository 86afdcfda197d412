// --mode mysql (MariaDB or MySQL). With --snapshot, FLUSH TABLES WITH READ LOCK is held only
// while the snapshot is taken, and the binary log position read under the lock is the
// snapshot's. Without it, the copy is mariadb-backup's hot copy (mysql-hotcopy.ts): no global
// lock is held for the whole backup, as Freezer's mode did.
import { sourceError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { DatabaseMode, PointInTime, SnapshotRequest } from '../types.js';
import { binlogPosition, connect, describeServer, serverFacts, sqlError, type ServerFacts, type SqlConnection } from './mysql-client.js';
import type { MysqlConf } from './mysql-conf.js';
import { mariadbHotCopy } from './mysql-hotcopy.js';

export interface MysqlModeSettings {
  conf: MysqlConf;
  /** --mysql-staging-dir. */
  stagingDir: string;
  /** Connection time limit. */
  timeoutMs: number;
  /**
   * How long FLUSH TABLES WITH READ LOCK may wait for running statements: while it waits, every
   * other write waits behind it, so a long statement must fail the backup rather than stall
   * the server.
   */
  lockWaitSeconds: number;
}

export function mysqlMode(settings: MysqlModeSettings, log: Logger): DatabaseMode {
  const { conf } = settings;
  let conn: SqlConnection | undefined;
  let facts: ServerFacts | undefined;

  const opened = () => {
    if (!conn || !facts) throw new Error('mysql mode used before prepare()');
    return { conn, facts };
  };

  return {
    name: 'mysql',

    async prepare() {
      if (conn) return;
      conn = await connect(conf, settings.timeoutMs);
      try {
        facts = await serverFacts(conn);
      } catch (err) {
        throw sqlError(err, conf, 'cannot read the server version and datadir');
      }
      log.info(`mysql: connected to ${facts.version} at ${describeServer(conf)} (datadir ${facts.datadir})`);
    },

    async quiesce<T>(take: () => Promise<T>) {
      const { conn: c, facts: f } = opened();
      try {
        await c.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.round(settings.lockWaitSeconds))}`);
        await c.query('FLUSH TABLES WITH READ LOCK');
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_LOCK_WAIT_TIMEOUT')
          throw sourceError(
            `FLUSH TABLES WITH READ LOCK waited ${settings.lockWaitSeconds} s for running statements or table locks of the MySQL server at ${describeServer(conf)} and gave up; nothing was taken`,
          );
        throw sqlError(err, conf, 'FLUSH TABLES WITH READ LOCK failed');
      }
      const locked = Date.now();
      try {
        let position;
        try {
          position = await binlogPosition(c, f);
        } catch (err) {
          throw sqlError(err, conf, 'cannot read the binary log position');
        }
        const value = await take();
        const details = {
          mode: 'mysql',
          method: 'flush-tables-with-read-lock',
          server_version: f.version,
          ...position,
          lock_held_ms: Date.now() - locked,
        };
        return { value, details };
      } finally {
        // Closing the connection would release the lock too: a failure here only costs the warning.
        await c
          .query('UNLOCK TABLES')
          .catch((err: Error) => log.warn(`mysql: UNLOCK TABLES failed (${err.message}); the lock ends with the connection`));
      }
    },

    async hotCopy(req: SnapshotRequest): Promise<PointInTime | null> {
      const { facts: f } = opened();
      return mariadbHotCopy(conf, f, settings.stagingDir, req);
    },

    async close() {
      const c = conn;
      conn = undefined;
      if (!c) return;
      await c.end().catch(() => c.destroy());
    },
  };
}
