// permafrost-agent --mode mysql / mongo end to end: a backup of a live MariaDB (writer
// committing rows) without --snapshot (mariadb-backup's hot copy), restored and started as a
// datadir of its own; and the errors a user can cause, with their exit codes. The backup action
// runs the modes through takePointInTime (src/snapshot/index.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { agent, agentAsync, agentOk } from './helpers/agent.js';
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

/** Every object below `v` that records a binary log position (wherever the metadata puts it). */
function binlogRecords(v: unknown): Array<Record<string, unknown>> {
  if (!v || typeof v !== 'object') return [];
  const here = 'binlog_file' in v && 'gtid' in v ? [v as Record<string, unknown>] : [];
  return [...here, ...Object.values(v).flatMap(binlogRecords)];
}

describe('permafrost-agent --mode mysql and mongo', function () {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-agent-mysql-'));
  const store = path.join(work, 'store');
  const staging = path.join(work, 'staging');
  let db: MariadbInfo;
  const common = (name: string) => [
    '--storage',
    'local',
    '--container',
    store,
    '--backup-name',
    name,
    '--hostname',
    'testhost',
    '--mysql-staging-dir',
    staging,
  ];
  const mysqlBackup = (conf: string, name = 'db') => [
    '--action',
    'backup',
    '--mode',
    'mysql',
    '--mysql-conf',
    conf,
    '--path-to-backup',
    db.datadir,
    ...common(name),
  ];

  before(async function () {
    db = await startMariadbOrSkip(this);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('a missing --mysql-conf: exit 3 naming it', () => {
    const r = agent(mysqlBackup(path.join(work, 'no-such.conf')));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /cannot read --mysql-conf .*no-such\.conf/);
  });

  it('a --mysql-conf without [default]: exit 3 naming the file', () => {
    const conf = path.join(work, 'client.conf');
    fs.writeFileSync(conf, '[client]\nuser = x\n', { mode: 0o600 });
    const r = agent(mysqlBackup(conf));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /client\.conf: no \[default\] section/);
  });

  it('a wrong password: exit 3 naming the --mysql-conf file; nothing stored', () => {
    const conf = writeMysqlConf(work, db, 'tcp', 'wrong');
    const r = agent(mysqlBackup(conf, 'badpw'));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`refused the credentials of ${conf}`));
    assert.ok(!fs.existsSync(path.join(store, 'metadata', 'tar', 'testhost_badpw')));
  });

  it('a server that is down: exit 4 naming where it was looked for', () => {
    const conf = path.join(work, 'down.conf');
    fs.writeFileSync(conf, `[default]\nuser = u\nsocket = ${path.join(work, 'none.sock')}\n`, { mode: 0o600 });
    const r = agent(mysqlBackup(conf, 'down'));
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /the MySQL server at socket .*none\.sock/);
  });

  it('backs up a live server without a snapshot; the restored datadir starts, with every row up to the recorded GTID', async () => {
    const admin = await connectTo(db);
    const table = 'permafrost_test.agent_rows';
    await createRowsTable(admin, table);
    const [{ gtid: startGtid }] = await admin.query('SELECT @@gtid_binlog_pos AS gtid');
    const writerConn = await connectTo(db);
    const writer = new Writer(writerConn, table);
    writer.start();
    const out = path.join(work, 'metadata.json');
    let restoredServer;
    try {
      await writer.reached(100);
      const before = writer.committed;
      const r = await agentAsync([...mysqlBackup(writeMysqlConf(work, db, 'socket')), '--metadata-out', out]);
      const afterBackup = await writer.stop();
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.existsSync(staging) ? fs.readdirSync(staging) : [], [], 'the hot copy was left in the staging directory');

      const [record] = binlogRecords(JSON.parse(fs.readFileSync(out, 'utf8')));
      assert.ok(record, `no binary log position in --metadata-out: ${fs.readFileSync(out, 'utf8')}`);
      assert.match(String(record.binlog_file), /^binlog\.\d{6}$/);

      const target = path.join(work, 'restored');
      agentOk(['--action', 'restore', '--restore-abs-path', target, ...common('db')]);
      assert.match(
        fs.readFileSync(path.join(target, 'xtrabackup_checkpoints'), 'utf8'),
        /^backup_type = log-applied$/m,
        'the backed-up copy was not prepared',
      );
      restoredServer = await startOnDatadir(target, path.join(work, 'restored-state'));
      const n = await verifyRows(restoredServer.conn, table);
      assert.ok(n >= before && n <= afterBackup, `${n} rows, not within ${before}..${afterBackup}`);
      assert.equal(n, gtidSeq(String(record.gtid)) - gtidSeq(startGtid));
    } finally {
      await writer.stop();
      await writerConn.end();
      await admin.end();
      await restoredServer?.stop();
    }
  });

  it('--mode mongo with no mongod at --mongo-host/--mongo-port: exit 4 naming it; nothing stored', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    await new Promise((r) => srv.close(r));
    const src = fs.mkdtempSync(path.join(work, 'files-'));
    const r = agent([
      '--action',
      'backup',
      '--mode',
      'mongo',
      '--mongo-host',
      '127.0.0.1',
      '--mongo-port',
      String(port),
      '--path-to-backup',
      src,
      ...common('mongo'),
    ]);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot ask mongod at 127\\.0\\.0\\.1:${port} whether it is the primary`));
    assert.ok(!fs.existsSync(path.join(store, 'metadata', 'tar', 'testhost_mongo')));
  });
});
