// Restoring a chain writes each file once: a member that a later level writes again or
// deletes is skipped (src/actions/restore-skips.ts, src/engines/tar/superseded.ts), and when
// the skips turn out not to hold (a hard link to a skipped member, a name listed without a
// member) the restore starts again with every level in full. Through the CLI, as an operator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { agentOk } from './helpers/agent.js';
import { prng, snapshotTree, tempDir, write } from './helpers/tree.js';

/** The restore summary's "Extracted N files over L levels". */
function filesExtracted(stdout: string): number {
  const m = /Extracted:\s+(\d+) files? over (\d+) levels?/.exec(stdout);
  assert.ok(m, stdout);
  return Number(m[1]);
}

describe('restore: each file written once', function () {
  let work: string;
  let src: string;
  let store: string;
  let log: string;
  const common = (engine = 'tar') => [
    '--storage',
    'local',
    '--container',
    store,
    '--backup-name',
    `once-${engine}`,
    '--hostname',
    'testhost',
    '--engine',
    engine,
    '--compression',
    'zstd',
  ];
  const backup = (engine = 'tar') => agentOk(['--action', 'backup', '--path-to-backup', src, ...common(engine)]);
  const restore = (dest: string, engine = 'tar') =>
    agentOk(['--action', 'restore', '--restore-abs-path', dest, '--log-file', log, ...common(engine)]);

  beforeEach(function () {
    work = tempDir();
    src = path.join(work, 'src');
    store = path.join(work, 'store');
    log = path.join(work, 'agent.log');
    fs.mkdirSync(src);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('writes a file changed at every level once, and never a file a later level deletes', function () {
    write(src, 'big.bin', prng(1 << 20, 1));
    write(src, 'gone.bin', prng(300_000, 2));
    write(src, 'same.txt', 'same\n');
    write(src, 'd/inner.txt', 'inner\n');
    backup();
    write(src, 'big.bin', prng(1 << 20, 3));
    fs.unlinkSync(path.join(src, 'gone.bin'));
    write(src, 'd/inner.txt', 'inner, changed\n');
    backup();
    write(src, 'big.bin', prng(1 << 20, 4));
    write(src, 'new.txt', 'new\n');
    backup();
    const dest = path.join(work, 'restored');
    const out = restore(dest).stdout;
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    // big.bin, same.txt, d/inner.txt and new.txt: 4 files, not the 4 + 2 + 2 of the three levels.
    assert.equal(filesExtracted(out), 4);
    assert.doesNotMatch(fs.readFileSync(log, 'utf8'), /every level in full/);
  });

  it('the rsync engine extracts every level (its deltas patch the earlier content)', function () {
    write(src, 'big.bin', prng(200_000, 1));
    backup('rsync');
    write(src, 'big.bin', Buffer.concat([prng(200_000, 1), Buffer.from('tail')]));
    backup('rsync');
    const dest = path.join(work, 'restored');
    const out = restore(dest, 'rsync').stdout;
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    assert.equal(filesExtracted(out), 2);
  });

  it('starts again in full when a hard link names a member the level skipped', function () {
    write(src, 'a', 'first a\n');
    fs.linkSync(path.join(src, 'a'), path.join(src, 'a2'));
    backup();
    // A new inode at `a`: level 1 holds `a`, while `a2` keeps level 0's content, which level 0
    // stores as a hard link to `a`, the member the plan skips at level 0.
    write(src, 'a.new', 'second a\n');
    fs.renameSync(path.join(src, 'a.new'), path.join(src, 'a'));
    backup();
    const dest = path.join(work, 'restored');
    const out = restore(dest).stdout;
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    assert.equal(fs.readFileSync(path.join(dest, 'a2'), 'utf8'), 'first a\n');
    assert.match(fs.readFileSync(log, 'utf8'), /restoring again, every level in full/);
    // Every member of both levels: a and a2 (the link) at level 0; a and a2 at level 1, which
    // dumps a2 again since the rename changed its inode's ctime.
    assert.equal(filesExtracted(out), 4);
  });

  it('starts again in full when a level lists a name it holds no member for (a socket)', async function () {
    write(src, 's', 'a file, later a socket\n');
    write(src, 'other', 'other\n');
    backup();
    fs.unlinkSync(path.join(src, 's'));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(src, 's'), resolve));
    try {
      backup();
    } finally {
      server.close();
    }
    const dest = path.join(work, 'restored');
    restore(dest);
    // tar leaves the level-0 file where level 1 names a socket it cannot store.
    assert.equal(fs.readFileSync(path.join(dest, 's'), 'utf8'), 'a file, later a socket\n');
    assert.match(fs.readFileSync(log, 'utf8'), /restoring again, every level in full/);
  });
});
