// A real MariaDB server for the --mode mysql tests, run by test/services/mariadb.sh (which
// installs mariadb-server and mariadb-backup when they are missing), a second server started
// on a restored datadir, and a writer that commits rows while a backup runs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mariadb, { type Connection } from 'mariadb';
import { parseEnvLines, runServiceScript, serviceScript, startOrSkip } from './service-script.js';

export const MARIADB_SCRIPT = serviceScript('mariadb.sh');

export interface MariadbInfo {
  host: string;
  port: number;
  socket: string;
  user: string;
  password: string;
  datadir: string;
  state: string;
}

/** `stateDir`: a server of its own there (datadir included); default: the shared test server. */
export async function startMariadb(stateDir?: string): Promise<MariadbInfo> {
  const where = stateDir ? { PERMAFROST_MARIADB_DIR: stateDir } : {};
  await runServiceScript(MARIADB_SCRIPT, ['start'], where);
  const env = parseEnvLines((await runServiceScript(MARIADB_SCRIPT, ['env'], where)).stdout);
  return {
    host: env.MARIADB_HOST,
    port: Number(env.MARIADB_PORT),
    socket: env.MARIADB_SOCKET,
    user: env.MARIADB_USER,
    password: env.MARIADB_PASSWORD,
    datadir: env.MARIADB_DATADIR,
    state: env.MARIADB_STATE,
  };
}

/** For a mocha `before` hook: starts the server, or skips the suite when this machine cannot run MariaDB. */
export function startMariadbOrSkip(ctx: Mocha.Context, stateDir?: string): Promise<MariadbInfo> {
  return startOrSkip(ctx, 'MariaDB', () => startMariadb(stateDir));
}

/** Stops the server of `stateDir` (started by startMariadb(stateDir)). */
export async function stopMariadb(stateDir: string): Promise<void> {
  await runServiceScript(MARIADB_SCRIPT, ['stop'], { PERMAFROST_MARIADB_DIR: stateDir });
}

export function connectTo(db: MariadbInfo): Promise<Connection> {
  return mariadb.createConnection({
    socketPath: db.socket,
    user: db.user,
    password: db.password,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
  });
}

/** A --mysql-conf file for `db` (0600), through its socket or its TCP port. */
export function writeMysqlConf(dir: string, db: MariadbInfo, how: 'socket' | 'tcp', password = db.password): string {
  const file = path.join(dir, `mysql-${how}.conf`);
  const where = how === 'socket' ? `socket = ${db.socket}` : `host = ${db.host}\nport = ${db.port}`;
  fs.writeFileSync(file, `[default]\nuser = ${db.user}\npassword = "${password}"\n${where}\n`, { mode: 0o600 });
  return file;
}

/** The sequence number of a single-domain GTID position (`0-1-42` → 42). */
export function gtidSeq(gtid: string): number {
  const m = /^\d+-\d+-(\d+)$/.exec(gtid);
  if (!m) throw new Error(`not a single-domain MariaDB GTID position: ${gtid}`);
  return Number(m[1]);
}

export const payloadSum = (payload: string) => createHash('sha256').update(payload).digest('hex');

/**
 * Commits one row per transaction into `table` on its own connection until stopped. With one
 * writer, ids are 1..n in commit order and each commit is one GTID: a consistent copy holds
 * exactly the rows up to its binary log position.
 */
export class Writer {
  committed = 0;
  private stopping = false;
  private done: Promise<void> | undefined;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(
    private readonly conn: Connection,
    private readonly table: string,
  ) {}

  start(): void {
    this.done = (async () => {
      while (!this.stopping) {
        const payload = `row ${this.committed + 1} ${'x'.repeat(200)}`;
        const r = await this.conn.query(`INSERT INTO ${this.table} (payload, sum) VALUES (?, ?)`, [payload, payloadSum(payload)]);
        this.committed = Number(r.insertId);
        for (const w of this.waiters.filter((x) => this.committed >= x.n)) w.resolve();
        this.waiters = this.waiters.filter((x) => this.committed < x.n);
      }
    })();
  }

  /** Resolves once `n` rows are committed. */
  reached(n: number): Promise<void> {
    if (this.committed >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async stop(): Promise<number> {
    this.stopping = true;
    await this.done;
    return this.committed;
  }
}

export async function createRowsTable(conn: Connection, table: string): Promise<void> {
  await conn.query(`DROP TABLE IF EXISTS ${table}`);
  await conn.query(
    `CREATE TABLE ${table} (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(400) NOT NULL, sum CHAR(64) NOT NULL) ENGINE=InnoDB`,
  );
}

export interface RestoredServer {
  conn: Connection;
  stop(): Promise<void>;
}

/** Starts a second mariadbd on `datadir` (own socket, no network) and connects as root. */
export async function startOnDatadir(datadir: string, stateDir: string): Promise<RestoredServer> {
  fs.mkdirSync(stateDir, { recursive: true });
  const socket = path.join(stateDir, 'restored.sock');
  const errorLog = path.join(stateDir, 'restored-error.log');
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      '--skip-networking',
      `--pid-file=${path.join(stateDir, 'restored.pid')}`,
      `--log-error=${errorLog}`,
      '--innodb-buffer-pool-size=32M',
      // A snapshot of a server with its binary log in the datadir: recovery needs that log to
      // settle the transactions a snapshot caught prepared (committed only if in the log).
      ...(fs.existsSync(path.join(datadir, 'binlog.index')) ? [`--log-bin=${path.join(datadir, 'binlog')}`, '--server-id=2'] : []),
    ],
    { stdio: 'ignore' },
  );
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited ${code ?? signal}`;
  });
  for (let i = 0; ; i++) {
    try {
      const conn = await mariadb.createConnection({ socketPath: socket, user: 'root', bigIntAsNumber: true });
      return {
        conn,
        stop: async () => {
          await conn.end().catch(() => {});
          if (exited) return;
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        },
      };
    } catch (err) {
      if (exited || i > 600) {
        child.kill('SIGKILL');
        const tail = fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8').split('\n').slice(-8).join('\n') : '';
        throw new Error(`mariadbd on the restored datadir ${datadir} did not start (${exited ?? (err as Error).message}):\n${tail}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Checks the restored copy of `table`: ids 1..n with no gap, every row whole (payload matches
 * its sum), CHECK TABLE OK. Returns n.
 */
export async function verifyRows(conn: Connection, table: string): Promise<number> {
  const [agg] = await conn.query<Array<{ n: number; top: number; bottom: number }>>(
    `SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS top, COALESCE(MIN(id), 1) AS bottom FROM ${table}`,
  );
  if (Number(agg.n) !== Number(agg.top) || Number(agg.bottom) !== 1) throw new Error(`rows are not ids 1..n: ${JSON.stringify(agg)}`);
  const rows = await conn.query<Array<{ id: number; payload: string; sum: string }>>(`SELECT id, payload, sum FROM ${table}`);
  for (const r of rows)
    if (payloadSum(r.payload) !== r.sum || !r.payload.startsWith(`row ${r.id} `)) throw new Error(`row ${r.id} is not whole`);
  const check = await conn.query<Array<{ Msg_text: string }>>(`CHECK TABLE ${table}`);
  const status = check.map((c) => c.Msg_text).join(', ');
  if (status !== 'OK') throw new Error(`CHECK TABLE ${table}: ${status}`);
  return Number(agg.n);
}
