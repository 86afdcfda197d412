// Freezer's consistency check (issue 19), through the real CLI: a backup with
// --consistency-check reports the tree checksum of its source as consistency_checksum; a
// restore with --consistency-checksum passes when the restored tree has it, and otherwise
// fails with the integrity exit code before the target is touched. Unlike freezer-agent's, the
// value does not depend on the order a file system lists a directory in, and it covers
// symlinked directories, empty directories and empty files. The test recomputes the value with
// its own reading of docs/FORMAT.md §6, so the document and the code cannot drift apart.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, mutate1, prng, snapshotTree, tempDir, write } from './helpers/tree.js';
import { ExitCode } from '../src/base/errors.js';

/** docs/FORMAT.md §6, written again from the document (links never followed). */
function documentedChecksum(root: string): string {
  const hash = createHash('sha256').update('permafrost tree checksum 1\n');
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const visit = (dirAbs: Buffer, rel: Buffer) => {
    const names = (fs.readdirSync(dirAbs, { encoding: 'buffer' }) as Buffer[]).sort((a, b) => Buffer.compare(a, b));
    for (const name of names) {
      const abs = Buffer.concat([dirAbs, Buffer.from('/'), name]);
      const childRel = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const st = fs.lstatSync(abs);
      const head = (t: string) => Buffer.concat([Buffer.from(t), u32(childRel.length), childRel]);
      if (st.isDirectory()) {
        hash.update(head('d'));
        visit(abs, childRel);
      } else if (st.isFile()) {
        const data = fs.readFileSync(abs);
        const size = Buffer.alloc(8);
        size.writeBigUInt64BE(BigInt(data.length));
        hash.update(Buffer.concat([head('f'), size, createHash('sha256').update(data).digest()]));
      } else if (st.isSymbolicLink()) {
        const target = fs.readlinkSync(abs, { encoding: 'buffer' });
        hash.update(Buffer.concat([head('l'), u32(target.length), target]));
      } else if (st.isFIFO()) hash.update(head('p'));
      else throw new Error(`the test trees hold no ${abs.toString()}`);
    }
  };
  visit(Buffer.from(root), Buffer.alloc(0));
  return hash.digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

describe('consistency check (--consistency-check, --consistency-checksum)', function () {
  let work: string;
  let n = 0;

  before(() => {
    work = tempDir('pf-cons-');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const fresh = (what: string) => path.join(work, `${what}-${++n}`);
  const storeArgs = (store: string, name = 'cons') => [
    '--storage',
    'local',
    '--container',
    store,
    '--backup-name',
    name,
    '--hostname',
    'h',
  ];

  /** A backup with --consistency-check; its --metadata-out JSON. */
  function backup(src: string, store: string, extra: string[] = []): Record<string, unknown> & { consistency_checksum: string } {
    const out = fresh('meta') + '.json';
    agentOk(['--action', 'backup', '--path-to-backup', src, '--consistency-check', '--metadata-out', out, ...storeArgs(store), ...extra]);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> & { consistency_checksum: string };
  }

  function restore(store: string, dest: string, checksum: string, extra: string[] = []) {
    return agent(['--action', 'restore', '--restore-abs-path', dest, '--consistency-checksum', checksum, ...storeArgs(store), ...extra]);
  }

  function sampleSource(): string {
    const src = fresh('src');
    makeSampleTree(src);
    write(src, 'big.bin', prng(3_000_000, 5));
    return src;
  }

  it('a backup reports a 64-hex consistency_checksum, records it in metadata, and a restore with it passes', function () {
    const src = sampleSource();
    const store = fresh('store');
    const meta = backup(src, store);
    assert.match(meta.consistency_checksum, HEX64);
    assert.equal(meta.consistency_checksum, documentedChecksum(src), 'the value is the one docs/FORMAT.md §6 defines');
    assert.equal((meta.permafrost as { consistency_checksum: string }).consistency_checksum, meta.consistency_checksum);
    const stored = fs
      .readdirSync(store, { recursive: true, encoding: 'utf8' })
      .filter((p) => p.startsWith('metadata/') && path.basename(p) === 'metadata');
    assert.equal(stored.length, 1);
    const onStorage = JSON.parse(fs.readFileSync(path.join(store, stored[0]), 'utf8')) as { permafrost: { consistency_checksum: string } };
    assert.equal(onStorage.permafrost.consistency_checksum, meta.consistency_checksum, 'the metadata object on the storage keeps it');

    const dest = fresh('dest');
    const r = restore(store, dest, meta.consistency_checksum.toUpperCase(), ['--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshotTree(dest, { dirMtimes: false }), snapshotTree(src, { dirMtimes: false }));
  });

  it("Freezer's result table shows the checksum; without --consistency-check it is empty", function () {
    const src = sampleSource();
    const store = fresh('store');
    const withIt = agentOk(['--action', 'backup', '--path-to-backup', src, '--consistency-check', ...storeArgs(store, 'a')]);
    assert.match(withIt.stdout, new RegExp(`\\| consistency checksum +\\| ${documentedChecksum(src)} +\\|`));
    const out = fresh('meta') + '.json';
    agentOk(['--action', 'backup', '--path-to-backup', src, '--metadata-out', out, ...storeArgs(store, 'b')]);
    const meta = JSON.parse(fs.readFileSync(out, 'utf8')) as { consistency_checksum: string; permafrost: object };
    assert.equal(meta.consistency_checksum, '');
    assert.equal('consistency_checksum' in meta.permafrost, false);
  });

  it('a wrong checksum fails with the integrity code, both values on stderr, nothing on stdout, the target not replaced', function () {
    const src = sampleSource();
    const store = fresh('store');
    const { consistency_checksum: right } = backup(src, store);
    const wrong = (right[0] === '0' ? '1' : '0') + right.slice(1);
    const parent = fresh('parent');
    const dest = path.join(parent, 'dest');
    write(dest, 'keep.txt', 'what was there before\n');
    const before = snapshotTree(dest);
    const r = restore(store, dest, wrong, ['--overwrite']);
    assert.equal(r.status, ExitCode.INTEGRITY, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /consistency check failed/);
    assert.ok(r.stderr.includes(right), `stderr names the restored tree's checksum: ${r.stderr}`);
    assert.ok(r.stderr.includes(wrong), `stderr names the given checksum: ${r.stderr}`);
    assert.deepEqual(snapshotTree(dest), before, 'the target is as it was');
    assert.deepEqual(fs.readdirSync(parent), ['dest'], 'no staging directory is left beside it');
  });

  it('a value that is not 64 hex digits is a usage error, before anything is read', function () {
    const store = fresh('store');
    const r = restore(store, fresh('dest'), 'abc');
    assert.equal(r.status, ExitCode.USAGE);
    assert.match(r.stderr, /invalid value for --consistency-checksum: "abc"/);
  });

  it('a dry run says the checksum is not checked', function () {
    const src = sampleSource();
    const store = fresh('store');
    const { consistency_checksum } = backup(src, store);
    const r = restore(store, fresh('dest'), consistency_checksum, ['--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--consistency-checksum is not checked in a dry run/);
  });

  it('the same tree on ext4 and on tmpfs, made in different orders, has the same checksum', function () {
    const fsType = (p: string) => spawnSync('stat', ['-f', '-c', '%T', p], { encoding: 'utf8' }).stdout.trim();
    // stat(1) names ext2, ext3 and ext4 alike: they share one magic number.
    if (fsType(work) !== 'ext2/ext3') {
      console.log(`      skipped: ${work} is ${fsType(work)}, not ext4`);
      this.skip();
    }
    const mnt = fresh('tmpfs');
    fs.mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) {
      console.log(`      skipped: cannot mount a tmpfs here (needs root): ${m.stderr.trim()}`);
      this.skip();
    }
    try {
      assert.equal(fsType(mnt), 'tmpfs');
      const names = Array.from({ length: 40 }, (_, i) => `f${i}-${'x'.repeat(i % 7)}`);
      const build = (root: string, order: string[]) => {
        for (const name of order) {
          write(root, `d/${name}`, `${name}\n`);
          write(root, `${name}.txt`, prng(1000 + names.indexOf(name), names.indexOf(name)));
        }
        fs.mkdirSync(path.join(root, 'empty'));
        write(root, 'zero', '');
        fs.symlinkSync('d', path.join(root, 'to-d'));
      };
      const onExt4 = path.join(work, `ext4-tree-${n}`);
      const onTmpfs = path.join(mnt, 'tree');
      build(onExt4, names);
      // A small ext4 directory lists in creation order, tmpfs in reverse: a shuffle keeps them apart.
      build(onTmpfs, [...names.filter((_, i) => i % 3 === 1), ...names.filter((_, i) => i % 3 !== 1)]);
      // fs.readdir sorts (libuv's scandir); opendir gives the file system's own order.
      const listed = (dir: string) => {
        const d = fs.opendirSync(dir);
        const out: string[] = [];
        for (let e = d.readSync(); e; e = d.readSync()) out.push(e.name);
        d.closeSync();
        return out;
      };
      assert.notDeepEqual(listed(onExt4), listed(onTmpfs), 'the two file systems list the trees in different orders');
      const store = fresh('store');
      const a = backup(onExt4, store, ['--backup-name', 'ext4']).consistency_checksum;
      const b = backup(onTmpfs, store, ['--backup-name', 'tmpfs']).consistency_checksum;
      assert.match(a, HEX64);
      assert.equal(a, b);
      // And a restore onto tmpfs of the ext4 backup checks against the same value.
      const r = restore(store, path.join(mnt, 'restored'), a, ['--backup-name', 'ext4', '--quiet']);
      assert.equal(r.status, 0, r.stderr);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('covers symlinked directories: the link as stored, or the tree behind it with --dereference-symlink soft', function () {
    const outside = fresh('outside');
    write(outside, 'inner/file.txt', 'behind the link\n');
    const src = fresh('src');
    write(src, 'real/a.txt', 'a\n');
    fs.symlinkSync('real', path.join(src, 'inside-link'));
    fs.symlinkSync(outside, path.join(src, 'outside-link'));
    const store = fresh('store');

    // Without dereference a link is archived as a link: its target text is what is restored.
    const plain = backup(src, store, ['--backup-name', 'plain']).consistency_checksum;
    assert.equal(plain, documentedChecksum(src));
    assert.equal(restore(store, fresh('dest'), plain, ['--backup-name', 'plain', '--quiet']).status, 0);

    // With --dereference-symlink soft the directories behind the links are archived, and covered.
    const followed = backup(src, store, ['--backup-name', 'soft', '--dereference-symlink', 'soft']).consistency_checksum;
    assert.notEqual(followed, plain);
    const dest = fresh('dest');
    const r = restore(store, dest, followed, ['--backup-name', 'soft', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dest, 'outside-link/inner/file.txt'), 'utf8'), 'behind the link\n');
    assert.equal(followed, documentedChecksum(dest), 'the followed tree hashes as the plain tree a restore makes of it');

    // A change behind a followed link changes the checksum; without following, only the link counts.
    write(outside, 'inner/file.txt', 'changed behind the link\n');
    assert.notEqual(backup(src, store, ['--backup-name', 'soft', '--dereference-symlink', 'soft']).consistency_checksum, followed);
    assert.equal(backup(src, store, ['--backup-name', 'plain']).consistency_checksum, plain);
    fs.unlinkSync(path.join(src, 'inside-link'));
    fs.symlinkSync('./real', path.join(src, 'inside-link'));
    assert.notEqual(backup(src, store, ['--backup-name', 'plain']).consistency_checksum, plain, 'the link target text counts');
  });

  it('leaves out what the backup leaves out: --exclude, sockets, the contents of another file system', function () {
    const src = fresh('src');
    write(src, 'logs/a.log', 'excluded\n');
    write(src, 'keep.txt', 'kept\n');
    spawnSync('mkfifo', [path.join(src, 'fifo')]);
    const sock = spawnSync('python3', [
      '-c',
      `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path.join(src, 'sock'))})`,
    ]);
    const mnt = path.join(src, 'mnt');
    fs.mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status === 0;
    if (mounted) write(mnt, 'elsewhere.txt', 'on another file system\n');
    else console.log('      (no tmpfs mount here, needs root: the other-file-system case is not exercised)');
    try {
      assert.equal(sock.status, 0, `a stand-in socket is made with python3: ${sock.stderr.toString()}`);
      const store = fresh('store');
      const { consistency_checksum } = backup(src, store, ['--exclude', '*.log']);
      const dest = fresh('dest');
      const r = restore(store, dest, consistency_checksum, ['--quiet']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.existsSync(path.join(dest, 'logs/a.log')), false);
      assert.equal(fs.existsSync(path.join(dest, 'sock')), false);
      assert.equal(fs.lstatSync(path.join(dest, 'fifo')).isFIFO(), true);
      assert.deepEqual(fs.readdirSync(path.join(dest, 'mnt')), []);
      assert.equal(consistency_checksum, documentedChecksum(dest));
    } finally {
      if (mounted) spawnSync('umount', [mnt]);
    }
  });

  it('an empty directory and an empty file each change the checksum', function () {
    const src = fresh('src');
    write(src, 'a/b.txt', 'b\n');
    const store = fresh('store');
    const sum = () => backup(src, store, ['--no-incremental']).consistency_checksum;
    const base = sum();
    const seen = new Set([base]);
    fs.mkdirSync(path.join(src, 'a/empty'));
    const withDir = sum();
    fs.rmdirSync(path.join(src, 'a/empty'));
    assert.equal(sum(), base, 'the same tree again gives the same value');
    write(src, 'a/empty', '');
    const withFile = sum();
    fs.renameSync(path.join(src, 'a/empty'), path.join(src, 'a/void'));
    const renamed = sum();
    fs.unlinkSync(path.join(src, 'a/void'));
    for (const v of [withDir, withFile, renamed]) {
      assert.equal(seen.has(v), false, 'every change gives a new value');
      seen.add(v);
    }
    assert.equal(sum(), base);
  });

  for (const engine of ['tar', 'rsync']) {
    it(`an incremental chain (${engine} engine): the level 1 checksum verifies the level 1 restore, and the level 0 one does not`, function () {
      const src = sampleSource();
      const store = fresh('store');
      const l0 = backup(src, store, ['--engine', engine]);
      mutate1(src);
      const l1 = backup(src, store, ['--engine', engine]);
      assert.equal(l1.curr_backup_level, 1);
      assert.notEqual(l1.consistency_checksum, l0.consistency_checksum);

      const good = restore(store, fresh('dest'), l1.consistency_checksum, ['--engine', engine, '--quiet']);
      assert.equal(good.status, 0, good.stderr);

      // The restored data differs from what the level 0 checksum describes.
      const dest = fresh('dest');
      const bad = restore(store, dest, l0.consistency_checksum, ['--engine', engine]);
      assert.equal(bad.status, ExitCode.INTEGRITY, bad.stderr);
      assert.equal(bad.stdout, '');
      assert.equal(fs.existsSync(dest), false, 'an absent target stays absent');
    });
  }
});
