// permafrost-agent --mode mysql --snapshot btrfs end to end: a MariaDB server of its own whose
// datadir is on the loop-device btrfs (test/services/btrfs.sh, test/services/mariadb.sh), a
// writer committing rows all through the backup. FLUSH TABLES WITH READ LOCK is held only
// while the snapshot is taken, so the snapshot holds exactly the rows committed before it, and
// the GTID read under the lock (recorded in the metadata) counts them. The restored datadir is
// started as a server of its own (InnoDB recovers it as after a power cut) and checked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentAsync, agentOk } from './helpers/agent.js';
import { btrfsTempDir, startBtrfsOrSkip, stopBtrfs, type BtrfsInfo } from './helpers/btrfs.js';
import {
  connectTo,
  createRowsTable,
  gtidSeq,
  startMariadbOrSkip,
  startOnDatadir,
  stopMariadb,
  verifyRows,
  writeMysqlConf,
  Writer,
  type MariadbInfo,
} from './helpers/mariadb.js';

describe('permafrost-agent --mode mysql --snapshot btrfs', function () {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-mysql-snap-'));
  const store = path.join(work, 'store');
  let btrfs: BtrfsInfo | undefined;
  let serverDir: string | undefined;
  let db: MariadbInfo;

  before(async function () {
    btrfs = await startBtrfsOrSkip(this);
    serverDir = btrfsTempDir(btrfs, 'mariadb-');
    db = await startMariadbOrSkip(this, serverDir);
  });
  after(async () => {
    if (serverDir) await stopMariadb(serverDir).catch(() => {});
    if (btrfs) await stopBtrfs();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('restores the rows committed before the snapshot, exactly, with the GTID read under the lock', async () => {
    const admin = await connectTo(db);
    const table = 'permafrost_test.snap_rows';
    await createRowsTable(admin, table);
    const [{ gtid: startGtid }] = await admin.query('SELECT @@gtid_binlog_pos AS gtid');
    const writerConn = await connectTo(db);
    const writer = new Writer(writerConn, table);
    writer.start();
    const out = path.join(work, 'metadata.json');
    const common = ['--storage', 'local', '--container', store, '--backup-name', 'db', '--hostname', 'testhost'];
    let restored;
    try {
      await writer.reached(100);
      const before = writer.committed;
      const r = await agentAsync([
        '--action',
        'backup',
        '--mode',
        'mysql',
        '--mysql-conf',
        writeMysqlConf(work, db, 'socket'),
        '--snapshot',
        'btrfs',
        '--path-to-backup',
        db.datadir,
        '--metadata-out',
        out,
        ...common,
      ]);
      const afterBackup = await writer.stop();
      assert.equal(r.status, 0, r.stderr);
      // The writer went on after the snapshot: the rows it committed later are not in the backup.
      assert.ok(afterBackup > before, 'the writer committed nothing during the backup');

      const meta = JSON.parse(fs.readFileSync(out, 'utf8'));
      const pit = meta.permafrost.point_in_time;
      assert.equal(pit.provider, 'btrfs', JSON.stringify(pit));
      assert.equal(pit.mode, 'mysql', JSON.stringify(pit));
      assert.match(String(pit.binlog_file), /^binlog\.\d{6}$/, JSON.stringify(pit));
      assert.ok(Number(pit.binlog_position) > 0, JSON.stringify(pit));
      assert.ok(!fs.existsSync(path.join(btrfs!.subvol, '.permafrost-snapshots')), 'the snapshot was left behind');

      const target = path.join(work, 'restored');
      agentOk(['--action', 'restore', '--restore-abs-path', target, ...common]);
      restored = await startOnDatadir(target, path.join(work, 'restored-state'));
      const n = await verifyRows(restored.conn, table);
      assert.equal(n, gtidSeq(String(pit.gtid)) - gtidSeq(startGtid), `${n} rows restored, GTID ${pit.gtid} from ${startGtid}`);
      assert.ok(n >= before && n < afterBackup, `${n} rows, not within ${before}..${afterBackup - 1}`);
    } finally {
      await writer.stop();
      await writerConn.end();
      await admin.end();
      await restored?.stop();
    }
  });
});
