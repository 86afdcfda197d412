import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { extractTar, parseSnapshot } from '../src/engines/tar/index.js';
import {
  backup,
  chunked,
  gnuTar,
  incrementalListing,
  nativeAvailable,
  removeDir,
  run,
  tempDir,
  treeState,
  withoutAtimes,
  writeUnder,
} from './tar-helpers.test.js';

const LONG_DIR = 'd'.repeat(105);

async function populate(root: string, fifo: boolean): Promise<void> {
  await fsp.mkdir(path.join(root, 'sub', 'deep'), { recursive: true });
  await fsp.mkdir(path.join(root, 'emptydir'));
  await fsp.mkdir(path.join(root, 'sticky'));
  await fsp.chmod(path.join(root, 'sticky'), 0o1777);
  await writeUnder(root, 'a.txt', 'hello\n');
  await writeUnder(root, 'big', randomBytes(1_500_001));
  await writeUnder(root, 'empty', '');
  await writeUnder(root, 'sub/f1', 'f1');
  await writeUnder(root, 'sub/deep/f2', 'f2');
  await writeUnder(root, 'olddir/in', 'in');
  await writeUnder(root, 'tomove', 'move me');
  await writeUnder(root, 'todel', 'delete me');
  await writeUnder(root, 'priv', 'secret', 0o600);
  await writeUnder(root, 'suid', '#!/bin/true\n', 0o4755);
  await writeUnder(root, `${LONG_DIR}/${'f'.repeat(110)}`, 'long');
  await writeUnder(root, 'bigids', 'ids');
  await fsp.chown(path.join(root, 'bigids'), 3_000_000, 70_000_000);
  await writeUnder(root, 'future', 'f');
  await fsp.utimes(path.join(root, 'future'), 10_000_000_000, 10_000_000_000);
  await writeUnder(root, 'past', 'p');
  await fsp.utimes(path.join(root, 'past'), -100, -100);
  await fsp.symlink('a.txt', path.join(root, 'link'));
  await fsp.symlink('t'.repeat(150), path.join(root, 'longlink'));
  await fsp.link(path.join(root, 'a.txt'), path.join(root, 'hard'));
  if (fifo) run('mkfifo', [path.join(root, 'fifo')]);
}

async function mutate1(root: string, fifo: boolean): Promise<void> {
  await fsp.writeFile(path.join(root, 'a.txt'), 'HELLO!\n');
  await fsp.appendFile(path.join(root, 'big'), 'more');
  await fsp.rm(path.join(root, 'todel'));
  await writeUnder(root, 'newfile', 'new');
  await writeUnder(root, 'newdir/x', 'x');
  await fsp.rename(path.join(root, 'tomove'), path.join(root, 'moved'));
  await fsp.rename(path.join(root, 'olddir'), path.join(root, 'renamed'));
  await fsp.chmod(path.join(root, 'sub/f1'), 0o600);
  await fsp.unlink(path.join(root, 'link'));
  await fsp.symlink('moved', path.join(root, 'link'));
  await fsp.link(path.join(root, 'newfile'), path.join(root, 'hard2'));
  await writeUnder(root, `sub/${'g'.repeat(130)}`, 'g');
  if (fifo) run('mkfifo', [path.join(root, 'fifo2')]);
  await fsp.mkdir(path.join(root, 'emptydir2'));
  await fsp.rm(path.join(root, 'empty'));
  await writeUnder(root, 'empty/x', 'file became a dir');
  await fsp.rm(path.join(root, 'sub/deep'), { recursive: true });
  await writeUnder(root, 'sub/deep', 'dir became a file');
}

async function mutate2(root: string): Promise<void> {
  await fsp.rm(path.join(root, 'renamed'), { recursive: true });
  await fsp.writeFile(path.join(root, 'newdir/x'), 'x2');
  await fsp.rename(path.join(root, 'newfile'), path.join(root, 'newfile2'));
  await fsp.chmod(path.join(root, 'moved'), 0o2750);
  await fsp.unlink(path.join(root, 'link'));
  await writeUnder(root, 'link', 'symlink became a file');
  await fsp.rename(path.join(root, LONG_DIR), path.join(root, 'short'));
  await writeUnder(root, 'emptydir/now', 'not empty');
}

interface Chain {
  archives: Buffer[];
  states: Array<Awaited<ReturnType<typeof treeState>>>;
}

async function buildChain(root: string, fifo: boolean): Promise<Chain> {
  await populate(root, fifo);
  const chain: Chain = { archives: [], states: [] };
  let snapshot: Buffer | null = null;
  for (const mutate of [null, () => mutate1(root, fifo), () => mutate2(root)]) {
    if (mutate) await mutate();
    const r = await backup({ root, previousSnapshot: snapshot });
    snapshot = r.snapshot;
    chain.archives.push(r.archive);
    chain.states.push(await treeState(root));
  }
  return chain;
}

describe('tar writer: incremental chain', function () {
  let dir: string;
  let chain: Chain;
  let files: string[];
  before(async () => {
    dir = await tempDir('writer');
    chain = await buildChain(path.join(dir, 'src'), true);
    files = await Promise.all(
      chain.archives.map(async (a, i) => {
        const f = path.join(dir, `l${i}.tar`);
        await fsp.writeFile(f, a);
        return f;
      }),
    );
  });
  after(async () => {
    await removeDir(dir);
  });

  async function gnuRestore(levels: number): Promise<string> {
    const target = await fsp.mkdtemp(path.join(dir, 'gnu-'));
    for (const f of files.slice(0, levels)) gnuTar(['--incremental', '--extract', '--file', f, '--directory', target]);
    return target;
  }

  it('level archives have the expected members', () => {
    assert.equal(chain.archives[0].length % 10240, 0);
    const l1 = incrementalListing(files[1]);
    assert.match(l1, /\nY a\.txt\n/);
    assert.match(l1, /\nD emptydir\n/);
    assert.doesNotMatch(l1, /todel/);
    assert.match(l1, /\.\/hard link to \.\/a\.txt/);
  });

  it('stock tar restores L0+L1+L2 into exactly the final tree', async () => {
    const target = await gnuRestore(3);
    assert.deepEqual(await treeState(target), chain.states[2]);
  });

  it('stock tar restores L0+L1 into the level-1 tree', async () => {
    const target = await gnuRestore(2);
    assert.deepEqual(await treeState(target), chain.states[1]);
  });

  it('extractTar restores L0+L1+L2 and L0+L1 the same way', async function () {
    if (!(await nativeAvailable())) {
      // FIFOs need native.mknod; without the addon use a chain without FIFOs.
      const root = path.join(dir, 'src-nofifo');
      const plain = await buildChain(root, false);
      return checkOurRestore(plain);
    }
    await checkOurRestore(chain);
  });

  async function checkOurRestore(c: Chain): Promise<void> {
    for (const levels of [3, 2]) {
      const target = await fsp.mkdtemp(path.join(dir, 'ours-'));
      for (const a of c.archives.slice(0, levels)) await extractTar(chunked(a), target, { sameOwner: true });
      assert.deepEqual(await treeState(target), c.states[levels - 1], `restore of ${levels} levels`);
    }
  }

  it('the snapshot records every directory with its inode', async () => {
    const r = await backup({ root: path.join(dir, 'src'), previousSnapshot: null });
    const s = parseSnapshot(r.snapshot)!;
    const st = await fsp.stat(path.join(dir, 'src', 'sub'), { bigint: true });
    assert.equal(s.directories.find((d) => d.name === './sub')?.ino, st.ino);
    const now = BigInt(Date.now()) / 1000n;
    assert.ok(s.timeSec <= now && s.timeSec >= now - 60n);
  });
});

describe('tar writer: byte equality with GNU tar', function () {
  let dir: string;
  before(async () => {
    dir = await tempDir('bytes');
  });
  after(async () => {
    await removeDir(dir);
  });

  async function gnuArchive(root: string, snapshot: Buffer | null): Promise<{ archive: Buffer; snapshot: Buffer }> {
    const snap = path.join(dir, `snap-${Math.random()}`);
    if (snapshot) await fsp.writeFile(snap, snapshot);
    const archive = gnuTar(
      ['--create', '--listed-incremental', snap, '--no-check-device', '--one-file-system', '--format=gnu', '-f', '-', '-C', root, '.'],
      { allow: [0, 1] },
    ).stdout;
    return { archive, snapshot: await fsp.readFile(snap) };
  }

  function sortedRecords(snapshot: Buffer) {
    return parseSnapshot(snapshot)!.directories.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  it("L0 and L1 are byte-identical to tar's (atimes aside), and tar reads our snapshot", async () => {
    const root = path.join(dir, 'tree');
    await populate(root, true);
    const server = net.createServer().listen(path.join(root, 'sock'));
    await new Promise((r) => server.once('listening', r));
    const ours0 = await backup({ root, previousSnapshot: null });
    const theirs0 = await gnuArchive(root, null);
    assert.ok(withoutAtimes(ours0.archive).equals(withoutAtimes(theirs0.archive)), 'level 0 archives differ');
    assert.deepEqual(ours0.stats.warnings, ['./sock: socket ignored']);
    assert.deepEqual(
      sortedRecords(ours0.snapshot).map(({ entries, name, ino }) => ({ entries, name, ino })),
      sortedRecords(theirs0.snapshot).map(({ entries, name, ino }) => ({ entries, name, ino })),
    );
    server.close();

    await fsp.writeFile(path.join(root, 'a.txt'), 'changed');
    await fsp.rm(path.join(root, 'todel'));
    await writeUnder(root, 'newdir/n', 'n');
    await fsp.chmod(path.join(root, 'sub/f1'), 0o640);
    await fsp.rename(path.join(root, 'tomove'), path.join(root, 'moved'));
    const ours1 = await backup({ root, previousSnapshot: ours0.snapshot });
    const theirs1 = await gnuArchive(root, ours0.snapshot);
    assert.ok(withoutAtimes(ours1.archive).equals(withoutAtimes(theirs1.archive)), 'level 1 archives differ');
    assert.equal(incrementalListing(await save('o1.tar', ours1.archive)), incrementalListing(await save('t1.tar', theirs1.archive)));
  });

  async function save(name: string, data: Buffer): Promise<string> {
    const f = path.join(dir, name);
    await fsp.writeFile(f, data);
    return f;
  }

  it('archives a single file by its basename, and only when changed', async () => {
    const file = path.join(dir, 'single.txt');
    await fsp.writeFile(file, 'single');
    await new Promise((r) => setTimeout(r, 200)); // outside the snapshot's 100 ms clock margin
    const chainStart = await backup({ root: file, previousSnapshot: null });
    const t0 = gnuTar(['--listed-incremental', path.join(dir, 'single.snap'), '-cf', '-', '-C', dir, 'single.txt']).stdout;
    assert.ok(withoutAtimes(chainStart.archive).equals(withoutAtimes(t0)));
    assert.deepEqual(parseSnapshot(chainStart.snapshot)!.directories, []);
    const l1 = await backup({ root: file, previousSnapshot: chainStart.snapshot });
    assert.equal(l1.archive.length, 10240);
    assert.ok(l1.archive.equals(Buffer.alloc(10240)));
  });

  it('hard dereference stores every name in full; soft dereference follows symlinks', async () => {
    const root = path.join(dir, 'deref');
    await writeUnder(root, 'a', 'data');
    await fsp.link(path.join(root, 'a'), path.join(root, 'b'));
    await fsp.symlink('a', path.join(root, 's'));
    for (const [deref, args] of [
      ['hard', ['--hard-dereference']],
      ['soft', ['--dereference']],
      ['all', ['--hard-dereference', '--dereference']],
    ] as const) {
      const ours = await backup({ root, previousSnapshot: null, dereference: deref });
      const snap = path.join(dir, `deref-${deref}`);
      const theirs = gnuTar(['--listed-incremental', snap, '--no-check-device', ...args, '-cf', '-', '-C', root, '.']).stdout;
      assert.ok(withoutAtimes(ours.archive).equals(withoutAtimes(theirs)), `--dereference=${deref}`);
    }
  });

  it('does not descend into a mount point (--one-file-system) but lists it with an empty dumpdir', async function () {
    const root = path.join(dir, 'ofs');
    await writeUnder(root, 'a', 'a');
    await fsp.mkdir(path.join(root, 'mnt'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', 'none', path.join(root, 'mnt')]);
    if (mounted.status !== 0) {
      console.log(`      skipped: cannot mount a tmpfs here (${mounted.stderr?.toString().trim() || 'mount failed'}); needs root`);
      this.skip();
    }
    try {
      await writeUnder(root, 'mnt/inside', 'not archived');
      const ours = await backup({ root, previousSnapshot: null });
      const theirs = gnuTar([
        '--listed-incremental',
        path.join(dir, 'ofs.snap'),
        '--no-check-device',
        '--one-file-system',
        '-cf',
        '-',
        '-C',
        root,
        '.',
      ]).stdout;
      assert.ok(withoutAtimes(ours.archive).equals(withoutAtimes(theirs)));
      assert.ok(!ours.archive.includes('not archived'));
    } finally {
      spawnSync('umount', [path.join(root, 'mnt')]);
    }
  });

  it('fails with a source error naming a missing root', async () => {
    await assert.rejects(backup({ root: path.join(dir, 'missing'), previousSnapshot: null }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_SOURCE');
      assert.match(err.message, /missing/);
      return true;
    });
  });
});
