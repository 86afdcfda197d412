// --mode mysql against a real MariaDB (test/services/mariadb.sh): the --mysql-conf reader,
// connection errors and their exit codes, FLUSH TABLES WITH READ LOCK held exactly while the
// snapshot is taken, and mariadb-backup's hot copy taken while a writer commits rows, then
// started as a datadir of its own and checked row by row against the binary log position.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mariadb';
import { ExitCode, isPermafrostError } from '../src/base/errors.js';
import type { Logger } from '../src/base/log.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import { openMode } from '../src/snapshot/modes/index.js';
import { readMysqlConf } from '../src/snapshot/modes/mysql-conf.js';
import { mysqlMode } from '../src/snapshot/modes/mysql.js';
import { chainTag } from '../src/snapshot/modes/mysql-hotcopy.js';
import type { DatabaseMode } from '../src/snapshot/types.js';
import {
  connectTo,
  createRowsTable,
  gtidSeq,
  startMariadbOrSkip,
  startOnDatadir,
  verifyRows,
  writeMysqlConf,
  Writer,
  type MariadbInfo,
} from './helpers/mariadb.js';

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
}

async function rejectsWith(p: Promise<unknown>, kind: keyof typeof ExitCode, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isPermafrostError(err), `not a PermafrostError: ${String(err)}`);
    assert.equal(err.exitCode, ExitCode[kind], `${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-mode-mysql-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('--mysql-conf', () => {
  const write = (name: string, text: string, mode = 0o600) => {
    const f = path.join(work, name);
    fs.writeFileSync(f, text, { mode });
    fs.chmodSync(f, mode);
    return f;
  };

  it('reads host, port, user, password and socket from [default], quotes stripped', () => {
    const log = recordingLog();
    const f = write(
      'ok.conf',
      `[default]\nhost = "db.example"\nport = 3307\nuser = 'backup'\npassword = "p#a=s:s w"\nsocket = /run/mysqld/mysqld.sock\n`,
    );
    const c = readMysqlConf(f, log);
    assert.deepEqual(
      { ...c },
      { file: f, host: 'db.example', port: 3307, user: 'backup', password: 'p#a=s:s w', socket: '/run/mysqld/mysqld.sock' },
    );
    assert.deepEqual(log.warnings, []);
  });

  it('defaults the port to 3306', () => {
    assert.equal(readMysqlConf(write('noport.conf', '[default]\nuser = u\n'), recordingLog()).port, 3306);
  });

  it('warns when a password file is readable by every user', () => {
    const log = recordingLog();
    const f = write('open.conf', '[default]\nuser = u\npassword = secret\n', 0o644);
    readMysqlConf(f, log);
    assert.equal(log.warnings.length, 1);
    assert.match(log.warnings[0], new RegExp(`${f}.*every user.*chmod 600`));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a missing file', '', /cannot read --mysql-conf .*missing\.conf.*ENOENT/],
    ['no [default] section', '[client]\nuser = u\n', /bad-1\.conf: no \[default\] section.*\[client\]/],
    ['a bad port', '[default]\nport = 33o6\n', /bad-2\.conf: invalid port = 33o6/],
    ['an unknown key', '[default]\npasword = u\n', /bad-3\.conf: unknown key "pasword".*did you mean password/],
    ['an extra section', '[default]\nuser = u\n[other]\nx = 1\n', /bad-4\.conf: unknown section \[other\]/],
    ['an empty value', '[default]\nuser =\n', /bad-5\.conf: user is empty/],
  ];
  bad.forEach(([what, text, pattern], i) => {
    it(`is a config error (exit 3) naming the file for ${what}`, () => {
      const f = i === 0 ? path.join(work, 'missing.conf') : write(`bad-${i}.conf`, text);
      assert.throws(
        () => readMysqlConf(f, recordingLog()),
        (err: unknown) => isPermafrostError(err) && err.exitCode === ExitCode.CONFIG && pattern.test(err.message),
      );
    });
  });

  it('--mode mysql without --mysql-conf is a usage error', () => {
    assert.throws(
      () => buildAgentOptions({}, { action: 'backup', mode: 'mysql', backup_name: 'b', path_to_backup: '/x', storage: 'local' }),
      (err: unknown) => isPermafrostError(err) && err.exitCode === ExitCode.USAGE && /--mode mysql needs --mysql-conf/.test(err.message),
    );
  });
});

describe('--mode mysql on a real MariaDB', function () {
  let db: MariadbInfo;
  let admin: Connection;
  const modes: DatabaseMode[] = [];
  const staging = path.join(work, 'staging');

  before(async function () {
    db = await startMariadbOrSkip(this);
    admin = await connectTo(db);
  });
  after(async () => {
    for (const m of modes) await m.close();
    await admin?.end();
  });

  const open = (conf: string, extra: Record<string, unknown> = {}) => {
    const opts = buildAgentOptions(
      {},
      {
        action: 'backup',
        mode: 'mysql',
        mysql_conf: conf,
        backup_name: 'db',
        path_to_backup: db.datadir,
        storage: 'local',
        mysql_staging_dir: staging,
        ...extra,
      },
    );
    return openMode(opts, recordingLog()).then((m) => (modes.push(m), m));
  };

  describe('connection errors', () => {
    it('a wrong password is a config error (exit 3) naming the --mysql-conf file', async () => {
      const conf = writeMysqlConf(work, db, 'tcp', 'not-the-password');
      const m = await open(conf);
      await rejectsWith(m.prepare(), 'CONFIG', new RegExp(`refused the credentials of ${conf}.*Access denied`));
    });

    it('a server that is down is a source error (exit 4) naming where it was looked for', async () => {
      const conf = path.join(work, 'down.conf');
      fs.writeFileSync(conf, `[default]\nuser = u\nsocket = ${path.join(work, 'no-server.sock')}\n`, { mode: 0o600 });
      await rejectsWith((await open(conf)).prepare(), 'SOURCE', /cannot connect: the MySQL server at socket .*no-server\.sock: .*ENOENT/);
      fs.writeFileSync(conf, `[default]\nuser = u\nhost = 127.0.0.1\nport = 1\n`, { mode: 0o600 });
      await rejectsWith((await open(conf)).prepare(), 'SOURCE', /the MySQL server at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    });
  });

  describe('quiesce (the --snapshot path)', () => {
    const table = 'permafrost_test.quiesce_rows';
    let other: Connection;
    before(async () => {
      await createRowsTable(admin, table);
      other = await connectTo(db);
      await other.query('SET SESSION lock_wait_timeout = 1');
    });
    after(() => other?.end());

    const insert = () => other.query(`INSERT INTO ${table} (payload, sum) VALUES ('x', 'y')`);

    it('holds the global read lock exactly while take() runs and records the binlog position and GTID under it', async () => {
      const m = await open(writeMysqlConf(work, db, 'socket'));
      await m.prepare();
      let seenInside: { File: string; Position: number } | undefined;
      let gtidInside = '';
      const { value, details } = await m.quiesce(async () => {
        // Another session's write must wait for the lock: with lock_wait_timeout = 1 it fails.
        await assert.rejects(insert(), (err: { code?: string }) => err.code === 'ER_LOCK_WAIT_TIMEOUT');
        [seenInside] = await admin.query('SHOW MASTER STATUS');
        [{ gtid: gtidInside }] = await admin.query('SELECT @@gtid_binlog_pos AS gtid');
        return 'taken';
      });
      assert.equal(value, 'taken');
      await insert(); // the lock is gone once quiesce has returned
      assert.equal(details.mode, 'mysql');
      assert.equal(details.method, 'flush-tables-with-read-lock');
      assert.equal(details.binlog_file, seenInside!.File);
      assert.equal(details.binlog_position, Number(seenInside!.Position));
      assert.equal(details.gtid, gtidInside);
      assert.match(String(details.binlog_file), /^binlog\.\d{6}$/);
      assert.ok(gtidSeq(String(details.gtid)) > 0);
    });

    it('gives up (exit 4) when the lock cannot be had in time, without calling take()', async () => {
      const conf = readMysqlConf(writeMysqlConf(work, db, 'socket'), recordingLog());
      const m = mysqlMode({ conf, stagingDir: staging, timeoutMs: 5000, lockWaitSeconds: 1 }, recordingLog());
      modes.push(m);
      await m.prepare();
      // A session holding a table lock keeps FLUSH TABLES WITH READ LOCK waiting.
      await other.query(`LOCK TABLES ${table} WRITE`);
      let taken = false;
      try {
        await rejectsWith(
          m.quiesce(async () => {
            taken = true;
          }),
          'SOURCE',
          /FLUSH TABLES WITH READ LOCK waited 1 s .* gave up; nothing was taken/,
        );
      } finally {
        await other.query('UNLOCK TABLES');
      }
      assert.equal(taken, false);
      await insert();
    });

    it('releases the lock when take() fails, and passes its error on', async () => {
      const m = await open(writeMysqlConf(work, db, 'tcp'));
      await m.prepare();
      await assert.rejects(
        m.quiesce(async () => {
          throw new Error('snapshot failed');
        }),
        /snapshot failed/,
      );
      await insert();
    });
  });

  describe('hotCopy (mariadb-backup, no snapshot)', () => {
    const table = 'permafrost_test.rows';
    const req = (source = db.datadir, log: Logger = recordingLog()) => ({ source, chainName: 'tar/testhost_db', log });

    it('copies the datadir while a writer commits, consistent at the binary log position it records', async function () {
      await createRowsTable(admin, table);
      const [{ gtid: startGtid }] = await admin.query('SELECT @@gtid_binlog_pos AS gtid');
      const writerConn = await connectTo(db);
      const writer = new Writer(writerConn, table);
      writer.start();
      let restored;
      try {
        await writer.reached(200);
        const m = await open(writeMysqlConf(work, db, 'socket'));
        await m.prepare();
        const before = writer.committed;
        const pit = await m.hotCopy(req());
        const afterCopy = writer.committed;
        await writer.stop();
        assert.ok(pit, 'hotCopy returned no copy');
        assert.ok(afterCopy > before, 'the writer committed nothing while the copy was made (no concurrency tested)');
        assert.ok(pit.path.startsWith(fs.realpathSync(staging) + path.sep), pit.path);
        assert.equal(fs.statSync(path.dirname(pit.path)).mode & 0o777, 0o700);
        assert.ok(
          !fs.readdirSync(path.dirname(pit.path)).includes('client.cnf'),
          'the option file with the password is left in the staging dir',
        );
        assert.equal(pit.details.method, 'mariadb-backup');
        // Prepared: the redo log is applied (an unprepared copy says full-backuped).
        assert.match(fs.readFileSync(path.join(pit.path, 'xtrabackup_checkpoints'), 'utf8'), /^backup_type = log-applied$/m);
        assert.match(String(pit.details.binlog_file), /^binlog\.\d{6}$/);
        assert.ok(Number(pit.details.binlog_position) > 0);

        // The copy is a datadir MariaDB starts on; it holds exactly the rows of the transactions
        // up to its GTID (one row per transaction since startGtid), all of them whole.
        restored = await startOnDatadir(pit.path, path.join(work, 'restored-direct'));
        const n = await verifyRows(restored.conn, table);
        assert.ok(n >= before, `rows committed before the copy began are missing: ${n} < ${before}`);
        assert.ok(n <= afterCopy, `more rows than were committed: ${n} > ${afterCopy}`);
        assert.equal(
          n,
          gtidSeq(String(pit.details.gtid)) - gtidSeq(startGtid),
          `rows ${n} vs GTID ${String(pit.details.gtid)} (start ${startGtid})`,
        );
        await restored.stop();
        restored = undefined;

        const root = path.dirname(pit.path);
        await pit.release();
        await pit.release();
        assert.ok(!fs.existsSync(root), `release() left ${root}`);
      } finally {
        await writer.stop();
        await writerConn.end();
        await restored?.stop();
      }
    });

    it('removes the hot copy a killed run of the same chain left, with a warning', async () => {
      fs.mkdirSync(staging, { recursive: true });
      const leftover = fs.mkdtempSync(path.join(staging, `permafrost-mysql-${chainTag('tar/testhost_db')}-`));
      const other = fs.mkdtempSync(path.join(staging, `permafrost-mysql-${chainTag('tar/testhost_db-other')}-`));
      const log = recordingLog();
      const m = await open(writeMysqlConf(work, db, 'socket'));
      await m.prepare();
      const pit = await m.hotCopy(req(db.datadir, log));
      await pit!.release();
      assert.ok(!fs.existsSync(leftover));
      assert.ok(fs.existsSync(other), "another chain's copy was removed");
      assert.ok(
        log.warnings.some((w) => w.includes(leftover) && /earlier run/.test(w)),
        log.warnings.join('\n'),
      );
      fs.rmSync(other, { recursive: true });
    });

    it('refuses a --path-to-backup that is not the server datadir (exit 4)', async () => {
      const m = await open(writeMysqlConf(work, db, 'socket'));
      await m.prepare();
      await rejectsWith(
        m.hotCopy(req(work)),
        'SOURCE',
        new RegExp(`--path-to-backup ${work} is not the server's datadir ${fs.realpathSync(db.datadir)}`),
      );
    });

    it('without mariadb-backup installed: a config error naming the package', async () => {
      const m = await open(writeMysqlConf(work, db, 'socket'));
      await m.prepare();
      const saved = process.env.PATH;
      process.env.PATH = path.join(work, 'empty-bin');
      try {
        await rejectsWith(m.hotCopy(req()), 'CONFIG', /mariadb-backup, which is not installed.*apt-get install mariadb-backup/);
      } finally {
        process.env.PATH = saved;
      }
      assert.deepEqual(
        fs.readdirSync(staging).filter((n) => n.startsWith(`permafrost-mysql-${chainTag('tar/testhost_db')}-`)),
        [],
        'the staging directory of the failed copy was left behind',
      );
    });

    it('a staging directory without room for the copy: a source error (exit 4) naming it and the sizes', async function () {
      const small = path.join(work, 'small');
      fs.mkdirSync(small, { recursive: true });
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small], { encoding: 'utf8' });
      if (mount.status !== 0) {
        console.log(`      skipped: cannot mount a small tmpfs here: ${mount.stderr.trim()}`);
        this.skip();
      }
      try {
        const m = await open(writeMysqlConf(work, db, 'socket'), { mysql_staging_dir: small });
        await m.prepare();
        await rejectsWith(
          m.hotCopy(req()),
          'SOURCE',
          new RegExp(`--mysql-staging-dir ${small} has .* free; the hot copy of .* needs about .*MB`),
        );
      } finally {
        spawnSync('umount', [small]);
      }
    });
  });
});
