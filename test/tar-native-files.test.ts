// The tar writer's native fast path for plain regular files (native/core/tar_files.cc) must
// write exactly the bytes the TypeScript path writes, and leave every case it does not
// handle to that path.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { native, type NativeTarFileDumper } from '../src/native.js';
import { encodeMemberHeader } from '../src/engines/tar/header.js';
import { localIdNames } from '../src/engines/tar/ids.js';
import type { TarBackupOptions } from '../src/engines/tar/writer.js';
import { parseSnapshot } from '../src/engines/tar/index.js';
import { backup, removeDir, run, tempDir, withoutAtimes } from './tar-helpers.test.js';

const isRoot = process.getuid?.() === 0;

async function write(root: string, rel: string, data: Buffer | string, mode?: number): Promise<void> {
  const abs = path.join(root, rel);
  await fsp.mkdir(path.dirname(abs), { recursive: true });
  await fsp.writeFile(abs, data);
  if (mode !== undefined) await fsp.chmod(abs, mode);
}

/** Sizes around block and chunk edges, enough small files to cross several 1 MiB chunks, and every case the fast path leaves. */
async function populate(root: string): Promise<void> {
  for (const size of [0, 1, 511, 512, 513, 1023, 1024, 65_536, (1 << 20) - 512, (1 << 20) - 511, (1 << 20) + 1]) {
    await write(root, `sizes/f${size}`, randomBytes(size));
  }
  for (let i = 0; i < 400; i++) await write(root, `many/${String(i).padStart(3, '0')}`, randomBytes(1000 + ((i * 7919) % 9000)));
  await write(root, 'modes/priv', 'p', 0o600);
  await write(root, 'modes/suid', 's', 0o4755);
  await write(root, 'modes/sticky', 't', 0o1644);
  await write(root, `names/${'n'.repeat(100 - './names/'.length)}`, 'exactly 100 bytes of name');
  await write(root, `names/${'l'.repeat(120)}`, 'a long name');
  await write(root, 'names/ünïcødé', 'utf-8');
  await write(root, 'links/a', 'linked');
  await fsp.link(path.join(root, 'links/a'), path.join(root, 'links/b'));
  await write(root, 'links/c', 'after the links');
  await fsp.symlink('a', path.join(root, 'links/sym'));
  run('mkfifo', [path.join(root, 'links/fifo')]);
  await write(root, 'times/now', 'n');
  await write(root, 'times/past', 'p');
  // fs.utimes takes a negative time as "now"; touch sets it.
  run('touch', ['-h', '-d', '@-100', path.join(root, 'times/past')]);
  await write(root, 'times/future', 'f');
  await fsp.utimes(path.join(root, 'times/future'), 10_000_000_000, 10_000_000_000);
  if (isRoot) {
    await write(root, 'ids/big', 'big ids');
    await fsp.chown(path.join(root, 'ids/big'), 3_000_000, 70_000_000);
    await write(root, 'ids/nobody', 'named ids');
    await fsp.chown(path.join(root, 'ids/nobody'), 65534, 65534);
  }
}

async function archive(opts: TarBackupOptions, nativeFiles: boolean): Promise<{ archive: Buffer; snapshot: Buffer; files: number; bytesRead: number }> {
  const r = await backup({ ...opts, nativeFiles });
  return { archive: r.archive, snapshot: r.snapshot, files: r.stats.files, bytesRead: r.stats.bytesRead };
}

/**
 * Same members, data and padding. Atimes aside: reading a directory or file for one archive
 * can move the atime the other records (the TarFileDumper test checks the native atimes).
 */
function assertSameArchive(fast: Buffer, slow: Buffer): void {
  assert.equal(fast.length, slow.length);
  assert.ok(withoutAtimes(fast).equals(withoutAtimes(slow)), 'archives differ');
}

describe('tar writer: native fast path for regular files', function () {
  this.timeout(120_000);
  let dir: string;
  let root: string;

  before(async () => {
    dir = await tempDir('native-files');
    root = path.join(dir, 'src');
    await populate(root);
    // Reading the files once settles their atimes (relatime), which the headers record.
    await archive({ root }, false);
  });
  after(() => removeDir(dir));

  /** Runs `work` counting the files the native path wrote. */
  async function countingNative<T>(work: () => Promise<T>): Promise<{ result: T; handled: number }> {
    const original = native.TarFileDumper;
    let handled = 0;
    // The addon's methods are read-only; a subclass counts what each call wrote.
    (native as { TarFileDumper: typeof original }).TarFileDumper = class extends original {
      override async dump(...a: Parameters<NativeTarFileDumper['dump']>): Promise<[number, number, number]> {
        const r = await super.dump(...a);
        handled += r[0];
        return r;
      }
    } as unknown as typeof original;
    try {
      return { result: await work(), handled };
    } finally {
      (native as { TarFileDumper: typeof original }).TarFileDumper = original;
    }
  }

  it('takes most files natively and leaves the rest to TypeScript', async () => {
    const { result, handled } = await countingNative(() => archive({ root }, true));
    assert.ok(handled >= 400, `only ${handled} files went the native way`);
    assert.ok(handled < result.files, 'links, long names and odd times must go the TypeScript way');
    assert.equal((await countingNative(() => archive({ root }, false))).handled, 0);
  });

  for (const [label, opts] of [
    ['defaults', {}],
    ['no user names', { userNames: false }],
    ['--dereference-symlink soft', { dereference: 'soft' }],
    ['--dereference-symlink hard', { dereference: 'hard' }],
  ] as const) {
    it(`writes the same archive as the TypeScript path (${label})`, async () => {
      const fast = await archive({ root, ...opts }, true);
      const slow = await archive({ root, ...opts }, false);
      assertSameArchive(fast.archive, slow.archive);
      // The snapshot's own start time differs from run to run; its directories may not.
      assert.deepEqual(parseSnapshot(fast.snapshot)!.directories, parseSnapshot(slow.snapshot)!.directories);
      assert.equal(fast.files, slow.files);
      assert.equal(fast.bytesRead, slow.bytesRead);
    });
  }

  it('writes the same level 1 as the TypeScript path', async () => {
    const l0 = await archive({ root }, false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await write(root, 'many/new', randomBytes(3000));
    await fsp.appendFile(path.join(root, 'sizes/f513'), 'more');
    const fast = await archive({ root, previousSnapshot: l0.snapshot }, true);
    const slow = await archive({ root, previousSnapshot: l0.snapshot }, false);
    assertSameArchive(fast.archive, slow.archive);
    assert.equal(fast.files, 3, 'the new file, the grown one and the one from the future');
    assert.equal(slow.files, 3);
  });

  describe('TarFileDumper', () => {
    const ids = localIdNames();
    const dumper = () => new native.TarFileDumper([...ids.users.keys()], [...ids.users.values()], [...ids.groups.keys()], [...ids.groups.values()], false, true);

    it('writes header, data and padding of each file as encodeMemberHeader and the file say', async () => {
      const chunk = Buffer.alloc(64 << 10, 0xee);
      const names = ['f0', 'f1', 'f511', 'f512', 'f513'];
      const [handled, end, bytesRead] = await dumper().dump(path.join(root, 'sizes'), './sizes/', names, chunk, 100);
      assert.equal(handled, names.length);
      let at = 100;
      for (const name of names) {
        const abs = path.join(root, 'sizes', name);
        const st = await fsp.stat(abs, { bigint: true });
        const header = Buffer.alloc(512);
        encodeMemberHeader({
          name: `./sizes/${name}`, typeflag: '0', size: Number(st.size), mode: Number(st.mode & 0o7777n),
          uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeNs / 1_000_000_000n),
          atime: Number(st.atimeNs / 1_000_000_000n), ctime: Number(st.ctimeNs / 1_000_000_000n),
          uname: ids.user(Number(st.uid)), gname: ids.group(Number(st.gid)),
        }, header, 0);
        assert.ok(chunk.subarray(at, at + 512).equals(header), `header of ${name}`);
        const data = await fsp.readFile(abs);
        assert.ok(chunk.subarray(at + 512, at + 512 + data.length).equals(data), `data of ${name}`);
        const padded = Math.ceil(data.length / 512) * 512;
        assert.ok(chunk.subarray(at + 512 + data.length, at + 512 + padded).every((b) => b === 0), `padding of ${name}`);
        at += 512 + padded;
      }
      assert.equal(end, at);
      let sizes = 0;
      for (const name of names) sizes += (await fsp.stat(path.join(root, 'sizes', name))).size;
      assert.equal(bytesRead, sizes);
      assert.equal(chunk[end], 0xee, 'nothing written past the end');
    });

    for (const [what, dirRel, names, expected] of [
      ['a hard-linked file', 'links', ['c', 'a', 'c'], 1],
      ['a symlink', 'links', ['c', 'sym', 'c'], 1],
      ['a FIFO', 'links', ['c', 'fifo', 'c'], 1],
      ['a name over 100 bytes', 'names', ['ünïcødé', 'l'.repeat(120)], 1],
      ['a missing file', 'links', ['c', 'missing', 'c'], 1],
      ['a name with a slash', 'links', ['c', '../links/c'], 1],
      ['a dot-dot name', 'links', ['c', '..'], 1],
      ['a time before 1970', 'times', ['now', 'past'], 1],
      ['a time past what 11 octal digits hold', 'times', ['now', 'future'], 1],
    ] as const) {
      it(`stops at ${what}, after the names before it`, async () => {
        const [handled] = await dumper().dump(path.join(root, dirRel), `./${dirRel}/`, [...names], Buffer.alloc(1 << 20), 0);
        assert.equal(handled, expected);
      });
    }

    it('stops at a file whose member does not fit in the room left', async () => {
      const chunk = Buffer.alloc(4096);
      // f1023 needs 512 + 1024 bytes: it fits from 2560, not from 2561.
      assert.equal((await dumper().dump(path.join(root, 'sizes'), './sizes/', ['f1023'], chunk, 2560))[0], 1);
      assert.equal((await dumper().dump(path.join(root, 'sizes'), './sizes/', ['f1023'], chunk, 2561))[0], 0);
      assert.deepEqual(await dumper().dump(path.join(root, 'sizes'), './sizes/', ['f0'], chunk, 4096), [0, 4096, 0]);
    });

    it('rejects bad arguments at the door', async () => {
      const d = dumper();
      assert.throws(() => d.dump(path.join(root, 'sizes'), './sizes/', ['f0'], Buffer.alloc(512), 513), RangeError);
      assert.throws(() => d.dump('a\0b', './', ['f0'], Buffer.alloc(512), 0), TypeError);
      assert.throws(() => d.dump(root, './', [1 as unknown as string], Buffer.alloc(512), 0), TypeError);
      assert.throws(() => d.dump(root, './', Array(4097).fill('x'), Buffer.alloc(512), 0), RangeError);
      assert.throws(() => new native.TarFileDumper([1], [], [], [], false, true), RangeError);
    });
  });
});
