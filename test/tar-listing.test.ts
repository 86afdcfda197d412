// Directory listings for the tar scan (native/core/dir_list.cc through listing.ts): names in
// byte order, the types readdir reports, the stats the scan asks for, failures worded as Node
// words them.
import assert from 'node:assert/strict';
import { promises as fsp, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { native } from '../src/native.js';
import { listDirectories } from '../src/engines/tar/listing.js';
import { removeDir, run, tempDir } from './tar-helpers.test.js';

describe('tar scan: directory listings', () => {
  let dir: string;

  before(async () => {
    dir = await tempDir('listing');
    await fsp.mkdir(path.join(dir, 'd/sub'), { recursive: true });
    for (const name of ['b', 'a', 'B', 'a-b', 'a.b', 'ä', 'z']) await fsp.writeFile(path.join(dir, 'd', name), name);
    await fsp.symlink('a', path.join(dir, 'd/link'));
    await fsp.symlink('nowhere', path.join(dir, 'd/dangling'));
    run('mkfifo', [path.join(dir, 'd/fifo')]);
    await fsp.writeFile(path.join(dir, 'd/future'), 'f');
    await fsp.utimes(path.join(dir, 'd/future'), 10_000_000_000, 10_000_000_000);
  });
  after(() => removeDir(dir));

  it('lists names in strcmp order with their types, and stats directories only unless asked', async () => {
    const [l] = await listDirectories([{ abs: path.join(dir, 'd'), statAll: false }], false);
    const names = l.entries.map((e) => e.name);
    assert.deepEqual(
      names,
      [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
    );
    assert.deepEqual(names, ['B', 'a', 'a-b', 'a.b', 'b', 'dangling', 'fifo', 'future', 'link', 'sub', 'z', 'ä']);
    const byName = new Map(l.entries.map((e) => [e.name, e]));
    assert.equal(byName.get('a')!.kind, 'file');
    assert.equal(byName.get('link')!.kind, 'symlink');
    assert.equal(byName.get('fifo')!.kind, 'other');
    assert.equal(byName.get('sub')!.kind, 'dir');
    assert.deepEqual(
      l.entries.filter((e) => e.stat).map((e) => e.name),
      ['sub'],
    );
    const st = byName.get('sub')!.stat!;
    const node = lstatSync(path.join(dir, 'd/sub'), { bigint: true });
    for (const k of ['dev', 'ino', 'mode', 'uid', 'gid', 'atimeNs', 'mtimeNs', 'ctimeNs'] as const) assert.equal(st[k], node[k], k);
    assert.ok(st.isDirectory() && !st.isFile() && !st.isSymbolicLink());
  });

  it('stats every entry when asked, lstat or stat as told, with times past 64-bit nanoseconds', async () => {
    const [all] = await listDirectories([{ abs: path.join(dir, 'd'), statAll: true }], false);
    const future = all.entries.find((e) => e.name === 'future')!.stat!;
    assert.equal(future.mtimeNs, 10_000_000_000n * 1_000_000_000n);
    assert.ok(all.entries.find((e) => e.name === 'link')!.stat!.isSymbolicLink());
    const [followed] = await listDirectories([{ abs: path.join(dir, 'd'), statAll: false }], true);
    const link = followed.entries.find((e) => e.name === 'link')!;
    assert.equal(link.kind, null, 'a symlink to follow is of unknown kind until stat');
    assert.equal(link.stat!.ino, statSync(path.join(dir, 'd/a'), { bigint: true }).ino);
    const dangling = followed.entries.find((e) => e.name === 'dangling')!;
    assert.equal(dangling.stat, undefined);
    assert.deepEqual(dangling.statFailure, {
      code: 'ENOENT',
      message: `ENOENT: no such file or directory, stat '${path.join(dir, 'd/dangling')}'`,
    });
  });

  it('reports a directory it cannot read, and lists the others of the batch', async () => {
    const missing = path.join(dir, 'missing');
    const [gone, sub, file] = await listDirectories(
      [
        { abs: missing, statAll: false },
        { abs: path.join(dir, 'd/sub'), statAll: false },
        { abs: path.join(dir, 'd/a'), statAll: false },
      ],
      false,
    );
    assert.deepEqual(gone, {
      failure: { code: 'ENOENT', message: `ENOENT: no such file or directory, scandir '${missing}'` },
      entries: [],
    });
    assert.deepEqual(sub, { entries: [] });
    assert.equal(file.failure!.code, 'ENOTDIR');
  });

  it('rejects bad arguments at the door', () => {
    assert.throws(() => native.listDirectories(['a'], new Uint8Array(2), false), RangeError);
    assert.throws(() => native.listDirectories(['a\0b'], new Uint8Array(1), false), TypeError);
    assert.throws(() => native.listDirectories([''], new Uint8Array(1), false), TypeError);
    assert.throws(() => native.listDirectories(['a'], [0] as unknown as Uint8Array, false), TypeError);
    assert.throws(() => native.listDirectories(Array(4097).fill('a'), new Uint8Array(4097), false), RangeError);
  });
});
