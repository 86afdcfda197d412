// --snapshot btrfs|auto on a real btrfs file system (test/services/btrfs.sh: a loop device):
// the backup is of the moment the snapshot was taken, the snapshot is gone after every way a
// run ends but kill -9 (whose leftover the next run removes, warning), incrementals from
// successive snapshots stay incremental, and the mutation suite passes from snapshots.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT, agent, agentOk } from './helpers/agent.js';
import { btrfsTempDir, startBtrfsOrSkip, stopBtrfs, type BtrfsInfo } from './helpers/btrfs.js';
import { mutationSuite } from './helpers/mutation-suite.js';
import { snapshotTree, tempDir, write } from './helpers/tree.js';
import { ExitCode, type PermafrostError } from '../src/base/errors.js';
import { btrfsProvider, snapshotName } from '../src/snapshot/btrfs.js';
import { silentLogger } from '../src/base/log.js';
import { snapshotChoice } from '../src/snapshot/choice.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import { parseArgv } from '../src/cli/argv.js';
import { loadConfigFile } from '../src/config/ini.js';

const SNAPSHOT_DIR = '.permafrost-snapshots';

/** The agent, running: its stderr watched for a line, its end awaited. */
class Running {
  readonly child: ChildProcess;
  stderr = '';
  readonly done: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { re: RegExp; resolve: () => void }[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.waiters = this.waiters.filter((w) => !(w.re.test(this.stderr) && (w.resolve(), true)));
    });
    this.done = new Promise((resolve) => this.child.once('close', (status, signal) => resolve({ status, signal })));
  }

  /** Resolves once stderr matches `re`; fails when the run ends first. */
  async waitFor(re: RegExp): Promise<void> {
    if (re.test(this.stderr)) return;
    const seen = new Promise<void>((resolve) => this.waiters.push({ re, resolve }));
    const ended = this.done.then(() => {
      if (!re.test(this.stderr)) throw new Error(`the agent ended without printing ${re}:\n${this.stderr}`);
    });
    await Promise.race([seen, ended]);
  }
}

const TAKEN = /btrfs snapshot taken: (\S+)/;

/** The snapshots under `subvolRoot`'s snapshot directory (none when the directory is gone). */
function snapshotsIn(subvolRoot: string): string[] {
  const dir = path.join(subvolRoot, SNAPSHOT_DIR);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

function isSubvolume(p: string): boolean {
  return spawnSync('btrfs', ['subvolume', 'show', p], { encoding: 'utf8' }).status === 0;
}

describe('--snapshot btrfs', function () {
  let info: BtrfsInfo;
  let work: string;
  let store: string;
  const common = (name: string) => ['--storage', 'local', '--container', store, '--backup-name', name, '--hostname', 'h'];
  const backupArgs = (src: string, name: string, ...extra: string[]) => [
    '--action',
    'backup',
    '--path-to-backup',
    src,
    ...common(name),
    ...extra,
  ];
  const restore = (name: string, dest: string) => agentOk(['--action', 'restore', '--restore-abs-path', dest, ...common(name)]);

  before(async function () {
    info = await startBtrfsOrSkip(this);
    work = btrfsTempDir(info);
    store = tempDir('pf-snap-store-');
  });
  after(async () => {
    if (store) fs.rmSync(store, { recursive: true, force: true });
    if (info) await stopBtrfs();
  });

  /** A source under the test subvolume with `mib` MiB of incompressible data read before zz/. */
  function bigSource(name: string, mib: number): string {
    const src = path.join(work, name);
    for (let i = 0; i < mib; i++) write(src, `big/${String(i).padStart(3, '0')}.bin`, randomBytes(1 << 20));
    write(src, 'zz/late.txt', 'as it was when the snapshot was taken\n');
    return src;
  }
  // The upload is held to 4 MiB/s: the engine, which reads at most a few MiB ahead of it, reads
  // zz/ seconds after the run has said where it reads from.
  const slow = ['--compression', 'none', '--upload-limit', '4M', '--verbose'];

  it('backs up the tree as it was when the snapshot was taken, not the writes made during the backup', async function () {
    const src = bigSource('during', 24);
    const before = snapshotTree(src);
    const run = new Running(backupArgs(src, 'during', '--snapshot', 'btrfs', ...slow));
    await run.waitFor(TAKEN);
    write(src, 'zz/late.txt', 'written during the backup\n');
    write(src, 'zz/new.txt', 'new during the backup\n');
    fs.rmSync(path.join(src, 'big/000.bin'));
    const end = await run.done;
    assert.equal(end.status, 0, run.stderr);
    const dest = path.join(tempDir('pf-snap-r-'), 'r');
    restore('during', dest);
    assert.deepEqual(snapshotTree(dest), before);
    fs.rmSync(path.dirname(dest), { recursive: true });
  });

  it('(control: the same writes reach a backup taken without a snapshot, so the test above can fail)', async function () {
    const src = bigSource('control', 24);
    const run = new Running(backupArgs(src, 'control', ...slow));
    await run.waitFor(/backup \S+: level 0/);
    write(src, 'zz/late.txt', 'written during the backup\n');
    assert.equal((await run.done).status, 0, run.stderr);
    const dest = path.join(tempDir('pf-snap-r-'), 'r');
    restore('control', dest);
    assert.equal(fs.readFileSync(path.join(dest, 'zz/late.txt'), 'utf8'), 'written during the backup\n');
    fs.rmSync(path.dirname(dest), { recursive: true });
  });

  it('reads from the snapshot, records it in metadata and --metadata-out, and deletes it after success', function () {
    const src = path.join(work, 'meta');
    write(src, 'f.txt', 'one\n');
    const out = path.join(work, 'meta.json');
    agentOk(backupArgs(src, 'meta', '--snapshot', 'btrfs', '--metadata-out', out));
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    // Named after the chain's lock (engine, host, name), so a leftover is found by the chain's next run.
    assert.match(snapshotName('tar/h_meta'), /^permafrost-tar_h_meta-[0-9a-f]{8}$/);
    const snapshot = path.join(info.subvol, SNAPSHOT_DIR, snapshotName('tar/h_meta'));
    assert.equal(report.vol_snap_path, path.join(snapshot, path.relative(info.subvol, src)));
    assert.equal(report.fs_real_path, report.vol_snap_path);
    assert.equal(report.path_to_backup, src);
    assert.equal(report.permafrost.source.path, src, 'metadata names the original path');
    assert.deepEqual(report.permafrost.point_in_time, {
      path: report.vol_snap_path,
      provider: 'btrfs',
      subvolume: info.subvol,
      snapshot,
      mode: 'fs',
    });
    assert.deepEqual(snapshotsIn(info.subvol), []);
    assert.equal(fs.existsSync(path.join(info.subvol, SNAPSHOT_DIR)), false, 'the snapshot directory goes with the last snapshot');
  });

  it('deletes the snapshot when interrupted by SIGTERM during the backup (exit 130)', async function () {
    const src = bigSource('term', 16);
    const run = new Running(backupArgs(src, 'term', '--snapshot', 'btrfs', ...slow));
    await run.waitFor(TAKEN);
    const snapshot = TAKEN.exec(run.stderr)![1];
    assert.ok(isSubvolume(snapshot));
    run.child.kill('SIGTERM');
    const end = await run.done;
    assert.equal(end.status, ExitCode.INTERRUPTED, run.stderr);
    assert.equal(fs.existsSync(snapshot), false, `${snapshot} is left behind`);
    assert.deepEqual(snapshotsIn(info.subvol), []);
  });

  it('deletes the snapshot when the storage fails (a full container)', function () {
    const src = bigSource('full', 4);
    const full = tempDir('pf-snap-full-');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full], { encoding: 'utf8' });
    if (m.status !== 0) {
      console.log(`      skipped: cannot mount a 1 MiB tmpfs as a full container here: ${m.stderr.trim()}`);
      this.skip();
    }
    try {
      const r = agent([
        '--action',
        'backup',
        '--path-to-backup',
        src,
        '--storage',
        'local',
        '--container',
        full,
        '--backup-name',
        'full',
        '--snapshot',
        'btrfs',
        '--compression',
        'none',
        '--verbose',
      ]);
      assert.equal(r.status, ExitCode.STORAGE, r.stderr);
      const snapshot = TAKEN.exec(r.stderr)![1];
      assert.equal(fs.existsSync(snapshot), false, `${snapshot} is left behind`);
      assert.deepEqual(snapshotsIn(info.subvol), []);
    } finally {
      spawnSync('umount', [full]);
      fs.rmSync(full, { recursive: true, force: true });
    }
  });

  it('deletes the snapshot when the backup fails after it was taken (an unreadable --encrypt-pass-file)', function () {
    const src = path.join(work, 'fails');
    write(src, 'f.txt', 'x\n');
    const r = agent([
      ...backupArgs(src, 'fails', '--snapshot', 'btrfs', '--verbose'),
      '--encrypt-pass-file',
      path.join(work, 'no-such-file'),
    ]);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, TAKEN, 'the failure came after the snapshot');
    assert.equal(fs.existsSync(TAKEN.exec(r.stderr)![1]), false);
    assert.deepEqual(snapshotsIn(info.subvol), []);
  });

  it('fails the backup (exit 4) when the snapshot is deleted while it is read; no backup is recorded', async function () {
    const src = bigSource('vanished', 16);
    const run = new Running(backupArgs(src, 'vanished', '--snapshot', 'btrfs', ...slow));
    await run.waitFor(TAKEN);
    const snapshot = TAKEN.exec(run.stderr)![1];
    assert.equal(spawnSync('btrfs', ['subvolume', 'delete', snapshot]).status, 0);
    assert.equal((await run.done).status, ExitCode.SOURCE, run.stderr);
    // Whichever notices first: the engine (it cannot read the source in the snapshot), or the
    // snapshot's check after the engine ended.
    assert.match(
      run.stderr,
      new RegExp(`error: .*(${snapshot}/\\S+: ENOENT|the btrfs snapshot ${snapshot} disappeared while it was read)`),
    );
    assert.match(run.stderr, new RegExp(`btrfs snapshot ${snapshot} was gone already`));
    assert.doesNotMatch(run.stderr, /cannot delete the btrfs snapshot/);
    assert.equal(fs.existsSync(path.join(store, 'metadata', 'tar', 'h_vanished')), false, 'no backup was recorded');
    assert.deepEqual(snapshotsIn(info.subvol), []);
  });

  it("the provider's check() fails once the snapshot is gone; release() is then quiet and idempotent", async function () {
    const src = path.join(work, 'check');
    write(src, 'f.txt', 'check\n');
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
    const pit = await btrfsProvider.take({ source: src, chainName: 'tar/h_check', log });
    assert.equal(fs.readFileSync(path.join(pit.path, 'f.txt'), 'utf8'), 'check\n');
    await pit.check();
    const snapshot = pit.details.snapshot as string;
    assert.equal(spawnSync('btrfs', ['subvolume', 'delete', snapshot]).status, 0);
    await assert.rejects(pit.check(), (err: PermafrostError) => {
      assert.equal(err.exitCode, ExitCode.SOURCE);
      assert.equal(err.message, `the btrfs snapshot ${snapshot} disappeared while it was read`);
      return true;
    });
    await pit.release();
    await pit.release();
    assert.deepEqual(warnings, []);
    assert.deepEqual(snapshotsIn(info.subvol), []);
  });

  it('takes no snapshot with --dry-run, and says so', function () {
    const src = path.join(work, 'dry');
    write(src, 'f.txt', 'dry\n');
    const r = agentOk(backupArgs(src, 'dry', '--snapshot', 'btrfs', '--dry-run', '--verbose'));
    assert.doesNotMatch(r.stderr, TAKEN);
    assert.match(r.stderr, /dry run: no btrfs snapshot taken; the source is read as it is/);
    assert.deepEqual(snapshotsIn(info.subvol), []);
  });

  it('after kill -9 the snapshot stays, and the next run of the chain removes it with a warning', async function () {
    const src = bigSource('killed', 16);
    const run = new Running(backupArgs(src, 'killed', '--snapshot', 'btrfs', ...slow));
    await run.waitFor(TAKEN);
    const snapshot = TAKEN.exec(run.stderr)![1];
    run.child.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');
    assert.ok(isSubvolume(snapshot), 'kill -9 leaves the snapshot');
    const tree = snapshotTree(src);
    const next = agentOk(backupArgs(src, 'killed', '--snapshot', 'btrfs', '--compression', 'none'));
    assert.match(next.stderr, new RegExp(`warn: removing btrfs snapshot ${snapshot}, left by an earlier run of this chain`));
    assert.equal(fs.existsSync(snapshot), false);
    assert.deepEqual(snapshotsIn(info.subvol), []);
    const dest = path.join(tempDir('pf-snap-r-'), 'r');
    restore('killed', dest);
    assert.deepEqual(snapshotTree(dest), tree);
    fs.rmSync(path.dirname(dest), { recursive: true });
  });

  it('keeps incrementals incremental: L1 from a new snapshot stores only the change', function () {
    const src = path.join(work, 'incr');
    write(src, 'big.bin', randomBytes(4 << 20));
    write(src, 'sub/small.txt', 'before\n');
    const meta = (n: number) => path.join(work, `incr-${n}.json`);
    agentOk(backupArgs(src, 'incr', '--snapshot', 'btrfs', '--compression', 'none', '--metadata-out', meta(0)));
    write(src, 'sub/small.txt', 'after, longer\n');
    agentOk(backupArgs(src, 'incr', '--snapshot', 'btrfs', '--compression', 'none', '--metadata-out', meta(1)));
    const l1 = JSON.parse(fs.readFileSync(meta(1), 'utf8')).permafrost;
    assert.equal(l1.level, 1);
    assert.equal(l1.source.files_changed, 1);
    assert.equal(l1.source.files_unchanged, 1, 'big.bin, read from another snapshot (another st_dev), is unchanged');
    assert.ok(l1.data.size < 64 * 1024, `L1 stored ${l1.data.size} bytes`);
    const dest = path.join(tempDir('pf-snap-r-'), 'r');
    restore('incr', dest);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    fs.rmSync(path.dirname(dest), { recursive: true });
  });

  it("backs up a subvolume's root without its snapshot directory, even with another chain's snapshot in it", function () {
    const root = path.join(info.mount, `pf-root-${process.pid}`);
    assert.equal(spawnSync('btrfs', ['subvolume', 'create', root]).status, 0);
    const other = path.join(root, SNAPSHOT_DIR, 'permafrost-another-chain');
    try {
      write(root, 'a.txt', 'a\n');
      write(root, 'd/b.txt', 'b\n');
      fs.mkdirSync(path.join(root, SNAPSHOT_DIR));
      assert.equal(spawnSync('btrfs', ['subvolume', 'snapshot', '-r', root, other]).status, 0);
      const expected = snapshotTree(root);
      for (const k of Object.keys(expected)) if (k === SNAPSHOT_DIR || k.startsWith(`${SNAPSHOT_DIR}/`)) delete expected[k];
      agentOk(backupArgs(root, 'root', '--snapshot', 'btrfs'));
      assert.deepEqual(snapshotsIn(root), ['permafrost-another-chain'], "only this run's snapshot is gone");
      const dest = path.join(tempDir('pf-snap-r-'), 'r');
      restore('root', dest);
      const got = snapshotTree(dest);
      assert.equal(got[SNAPSHOT_DIR], undefined);
      // The root's own time: making the snapshot directory changed it after the tree was taken.
      got['.'].mtime = expected['.'].mtime;
      assert.deepEqual(got, expected);
      fs.rmSync(path.dirname(dest), { recursive: true });
    } finally {
      spawnSync('btrfs', ['subvolume', 'delete', other]);
      spawnSync('btrfs', ['subvolume', 'delete', root]);
    }
  });

  describe('--snapshot auto', function () {
    it('picks btrfs on btrfs', function () {
      const src = path.join(work, 'auto');
      write(src, 'f.txt', 'auto\n');
      const out = path.join(work, 'auto.json');
      agentOk(backupArgs(src, 'auto', '--snapshot', 'auto', '--metadata-out', out));
      assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).permafrost.point_in_time.provider, 'btrfs');
    });

    it('fails clearly on tmpfs, as --snapshot btrfs does', function () {
      const mnt = tempDir('pf-snap-tmpfs-');
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
      if (m.status !== 0) {
        console.log(`      skipped: cannot mount a tmpfs here: ${m.stderr.trim()}`);
        this.skip();
      }
      try {
        write(mnt, 'f.txt', 'x\n');
        const auto = agent(backupArgs(mnt, 'tmpfs', '--snapshot', 'auto'));
        assert.equal(auto.status, ExitCode.USAGE, auto.stderr);
        assert.match(auto.stderr, new RegExp(`--snapshot auto: ${mnt} is on tmpfs, which has no snapshot provider`));
        const btrfs = agent(backupArgs(mnt, 'tmpfs', '--snapshot', 'btrfs'));
        assert.equal(btrfs.status, ExitCode.USAGE, btrfs.stderr);
        assert.match(btrfs.stderr, new RegExp(`--snapshot btrfs: ${mnt} is on tmpfs, not btrfs`));
        assert.equal(fs.existsSync(path.join(store, 'data', 'tar', 'h_tmpfs')), false, 'nothing was stored');
      } finally {
        spawnSync('umount', [mnt]);
        fs.rmSync(mnt, { recursive: true, force: true });
      }
    });
  });

  mutationSuite(['--snapshot', 'btrfs'], 'tar, --snapshot btrfs', () => info.subvol);
  mutationSuite(['--snapshot', 'btrfs', '--engine', 'rsync'], 'rsync, --snapshot btrfs', () => info.subvol);
});

describe('--snapshot words', function () {
  const choiceOf = (...args: string[]) =>
    snapshotChoice(buildAgentOptions({}, parseArgv(['--action', 'exec', '--command', 'true', ...args]).values));

  it('btrfs, lvm and auto as given; any other word, or none, is LVM as in Freezer; the false words are no snapshot', function () {
    assert.equal(choiceOf('--snapshot', 'btrfs'), 'btrfs');
    assert.equal(choiceOf('--snapshot', 'AUTO'), 'auto');
    assert.equal(choiceOf('--snapshot', 'lvm'), 'lvm');
    assert.equal(choiceOf('--snapshot', 'True'), 'lvm');
    assert.equal(choiceOf('--snapshot', 'yes'), 'lvm');
    assert.equal(choiceOf('--snapshot'), 'lvm');
    assert.equal(choiceOf('--snapshot', 'false'), null);
    assert.equal(choiceOf('--snapshot', 'no'), null);
    assert.equal(choiceOf(), null);
  });

  it('reads snapshot = from a job file the same way', function () {
    const dir = tempDir('pf-snap-ini-');
    const fromFile = (value: string) => {
      fs.writeFileSync(path.join(dir, 'job.ini'), `[default]\naction = exec\ncommand = true\nsnapshot = ${value}\n`);
      return snapshotChoice(buildAgentOptions(loadConfigFile(path.join(dir, 'job.ini')), {}));
    };
    try {
      assert.equal(fromFile('btrfs'), 'btrfs');
      assert.equal(fromFile('True'), 'lvm');
      assert.equal(fromFile('False'), null);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
