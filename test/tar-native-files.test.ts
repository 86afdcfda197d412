// The tar writer's native fast path for regular files and symlinks (native/core/tar_files.cc)
// must write exactly the bytes the TypeScript path writes, warnings included, and leave every
// case it does not handle to that path.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { native, TarEntryKind, TarFillStop, type NativeTarDumper, type NativeTarDumpPlan } from '../src/native.js';
import { encodeMemberHeader } from '../src/engines/tar/header.js';
import { localIdNames } from '../src/engines/tar/ids.js';
import type { TarBackupOptions } from '../src/engines/tar/writer.js';
import { parseSnapshot } from '../src/engines/tar/index.js';
import { backup, removeDir, run, tempDir, withoutAtimes, writeUnder } from './tar-helpers.test.js';

const isRoot = process.getuid?.() === 0;

/** Sizes around block and chunk edges, enough small files to cross several 1 MiB chunks, and every case the fast path leaves. */
async function populate(root: string): Promise<void> {
  for (const size of [0, 1, 511, 512, 513, 1023, 1024, 65_536, (1 << 20) - 512, (1 << 20) - 511, (1 << 20) + 1]) {
    await writeUnder(root, `sizes/f${size}`, randomBytes(size));
  }
  for (let i = 0; i < 400; i++) await writeUnder(root, `many/${String(i).padStart(3, '0')}`, randomBytes(1000 + ((i * 7919) % 9000)));
  await writeUnder(root, 'modes/priv', 'p', 0o600);
  await writeUnder(root, 'modes/suid', 's', 0o4755);
  await writeUnder(root, 'modes/sticky', 't', 0o1644);
  await writeUnder(root, `names/${'n'.repeat(100 - './names/'.length)}`, 'exactly 100 bytes of name');
  await writeUnder(root, `names/${'l'.repeat(120)}`, 'a long name');
  await writeUnder(root, 'names/ünïcødé', 'utf-8');
  await writeUnder(root, 'links/a', 'linked');
  await fsp.link(path.join(root, 'links/a'), path.join(root, 'links/b'));
  await writeUnder(root, 'links/c', 'after the links');
  await fsp.symlink('a', path.join(root, 'links/sym'));
  await fsp.symlink('t'.repeat(101), path.join(root, 'links/longsym'));
  run('mkfifo', [path.join(root, 'links/fifo')]);
  await writeUnder(root, 'times/now', 'n');
  await writeUnder(root, 'times/past', 'p');
  // fs.utimes takes a negative time as "now"; touch sets it.
  run('touch', ['-h', '-d', '@-100', path.join(root, 'times/past')]);
  await writeUnder(root, 'times/future', 'f');
  await fsp.utimes(path.join(root, 'times/future'), 10_000_000_000, 10_000_000_000);
  if (isRoot) {
    await writeUnder(root, 'ids/big', 'big ids');
    await fsp.chown(path.join(root, 'ids/big'), 3_000_000, 70_000_000);
    await writeUnder(root, 'ids/nobody', 'named ids');
    await fsp.chown(path.join(root, 'ids/nobody'), 65534, 65534);
  }
}

async function archive(
  opts: TarBackupOptions,
  nativeFiles: boolean,
): Promise<{ archive: Buffer; snapshot: Buffer; files: number; bytesRead: number }> {
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

describe('tar writer: native fast path', function () {
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

  /** Runs `work` counting the members the native path wrote. */
  async function countingNative<T>(work: () => Promise<T>): Promise<{ result: T; handled: number }> {
    const original = native.TarDumper;
    let handled = 0;
    // The addon's methods are read-only; a subclass counts what each fill wrote.
    (native as { TarDumper: typeof original }).TarDumper = class extends original {
      override async fill(...a: Parameters<NativeTarDumper['fill']>): ReturnType<NativeTarDumper['fill']> {
        const r = await super.fill(...a);
        handled += r[4] + r[5];
        return r;
      }
    };
    try {
      return { result: await work(), handled };
    } finally {
      (native as { TarDumper: typeof original }).TarDumper = original;
    }
  }

  it('takes most files and symlinks natively and leaves the rest to TypeScript', async () => {
    const { result, handled } = await countingNative(() => archive({ root }, true));
    assert.ok(handled >= 400, `only ${handled} members went the native way`);
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
    const chainStart = await archive({ root }, false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeUnder(root, 'many/new', randomBytes(3000));
    await fsp.appendFile(path.join(root, 'sizes/f513'), 'more');
    const fast = await archive({ root, previousSnapshot: chainStart.snapshot }, true);
    const slow = await archive({ root, previousSnapshot: chainStart.snapshot }, false);
    assertSameArchive(fast.archive, slow.archive);
    assert.equal(fast.files, 3, 'the new file, the grown one and the one from the future');
    assert.equal(slow.files, 3);
  });

  describe('TarDumper', () => {
    const ids = localIdNames();
    type Entry = readonly [dirRel: string, name: string, kind: keyof typeof TarEntryKind];
    const planFor = (entries: readonly Entry[], over: Partial<NativeTarDumpPlan> = {}): NativeTarDumpPlan => {
      const dirs = [...new Set(entries.map((e) => e[0]))];
      return {
        followSymlinks: false,
        trackHardLinks: true,
        ignoreFailedRead: false,
        dirs: dirs.map((d) => path.join(root, d)),
        prefixes: dirs.map((d) => `./${d}/`),
        entryDirs: Uint32Array.from(entries, (e) => dirs.indexOf(e[0])),
        names: entries.map((e) => `${e[1]}\0`).join(''),
        kinds: Uint8Array.from(entries, (e) => TarEntryKind[e[2]]),
        ...over,
      };
    };
    const dumper = (entries: readonly Entry[], over: Partial<NativeTarDumpPlan> = {}) =>
      new native.TarDumper(
        [...ids.users.keys()],
        [...ids.users.values()],
        [...ids.groups.keys()],
        [...ids.groups.values()],
        planFor(entries, over),
      );

    /** Fills chunks of `size` bytes until the plan is done or stops; returns the bytes and every result. */
    async function fillAll(d: NativeTarDumper, size: number, between?: (fill: number) => Promise<void>) {
      const parts: Buffer[] = [];
      const results = [];
      for (let n = 0; ; n++) {
        const chunk = Buffer.alloc(size, 0xee);
        const r = await d.fill(chunk, 0);
        results.push(r);
        parts.push(chunk.subarray(0, r[0]));
        if (r[2] !== TarFillStop.Full) break;
        await between?.(n);
      }
      return { bytes: Buffer.concat(parts), results };
    }

    async function headerOf(rel: string, typeflag: string, linkname?: string): Promise<Buffer> {
      const st = await fsp.lstat(path.join(root, rel), { bigint: true });
      const header = Buffer.alloc(512);
      encodeMemberHeader(
        {
          name: `./${rel}`,
          typeflag,
          size: typeflag === '0' ? Number(st.size) : 0,
          mode: Number(st.mode & 0o7777n),
          linkname,
          uid: Number(st.uid),
          gid: Number(st.gid),
          mtime: Number(st.mtimeNs / 1_000_000_000n),
          atime: Number(st.atimeNs / 1_000_000_000n),
          ctime: Number(st.ctimeNs / 1_000_000_000n),
          uname: ids.user(Number(st.uid)),
          gname: ids.group(Number(st.gid)),
        },
        header,
        0,
      );
      return header;
    }

    it('writes header, data and padding of each file, and symlink headers, as encodeMemberHeader and the files say', async () => {
      const chunk = Buffer.alloc(64 << 10, 0xee);
      const names = ['f0', 'f1', 'f511', 'f512', 'f513'];
      const [end, next, stop, bytesRead, files, symlinks, warnings] = await dumper([
        ...names.map((n) => ['sizes', n, 'File'] as const),
        ['links', 'sym', 'Symlink'],
      ]).fill(chunk, 100);
      assert.deepEqual([next, stop, files, symlinks, warnings], [names.length + 1, TarFillStop.Done, names.length, 1, []]);
      let at = 100;
      for (const name of names) {
        assert.ok(chunk.subarray(at, at + 512).equals(await headerOf(`sizes/${name}`, '0')), `header of ${name}`);
        const data = await fsp.readFile(path.join(root, 'sizes', name));
        assert.ok(chunk.subarray(at + 512, at + 512 + data.length).equals(data), `data of ${name}`);
        const padded = Math.ceil(data.length / 512) * 512;
        assert.ok(
          chunk.subarray(at + 512 + data.length, at + 512 + padded).every((b) => b === 0),
          `padding of ${name}`,
        );
        at += 512 + padded;
      }
      assert.ok(chunk.subarray(at, at + 512).equals(await headerOf('links/sym', '2', 'a')), 'symlink header');
      at += 512;
      assert.equal(end, at);
      let sizes = 0;
      for (const name of names) sizes += (await fsp.stat(path.join(root, 'sizes', name))).size;
      assert.equal(bytesRead, sizes);
      assert.equal(chunk[end], 0xee, 'nothing written past the end');
    });

    for (const [what, entries, over] of [
      [
        'a hard-linked file',
        [
          ['links', 'c', 'File'],
          ['links', 'a', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a symlink whose target needs a K entry',
        [
          ['links', 'c', 'File'],
          ['links', 'longsym', 'Symlink'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a symlink to follow',
        [
          ['links', 'c', 'File'],
          ['links', 'sym', 'Symlink'],
          ['links', 'c', 'File'],
        ],
        { followSymlinks: true },
      ],
      [
        'a FIFO',
        [
          ['links', 'c', 'File'],
          ['links', 'fifo', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'another kind',
        [
          ['links', 'c', 'File'],
          ['links', 'c', 'Other'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a file that is a symlink now',
        [
          ['links', 'c', 'File'],
          ['links', 'sym', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a name over 100 bytes',
        [
          ['names', 'ünïcødé', 'File'],
          ['names', 'l'.repeat(120), 'File'],
          ['names', 'ünïcødé', 'File'],
        ],
        {},
      ],
      [
        'a missing file',
        [
          ['links', 'c', 'File'],
          ['links', 'missing', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a name with a slash',
        [
          ['links', 'c', 'File'],
          ['links', '../links/c', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a dot-dot name',
        [
          ['links', 'c', 'File'],
          ['links', '..', 'File'],
          ['links', 'c', 'File'],
        ],
        {},
      ],
      [
        'a time before 1970',
        [
          ['times', 'now', 'File'],
          ['times', 'past', 'File'],
          ['times', 'now', 'File'],
        ],
        {},
      ],
      [
        'a time past what 11 octal digits hold',
        [
          ['times', 'now', 'File'],
          ['times', 'future', 'File'],
          ['times', 'now', 'File'],
        ],
        {},
      ],
    ] as const) {
      it(`leaves ${what} to the TypeScript writer and goes on after it`, async () => {
        const d = dumper(entries, over);
        const chunk = Buffer.alloc(1 << 20);
        const first = await d.fill(chunk, 0);
        assert.deepEqual([first[1], first[2], first[4]], [1, TarFillStop.Entry, 1]);
        const second = await d.fill(chunk, first[0]);
        assert.deepEqual([second[1], second[2], second[4]], [3, TarFillStop.Done, 1]);
        assert.ok(chunk.subarray(first[0], first[0] + 512).equals(chunk.subarray(0, 512)), 'the same member again');
      });
    }

    it('continues a member across chunks: header, data and padding as one', async () => {
      for (const [name, size] of [
        ['f1023', 4096],
        [`f${(1 << 20) + 1}`, 65_536],
        [`f${(1 << 20) - 511}`, 1000 * 512],
      ] as const) {
        const { bytes, results } = await fillAll(
          dumper([
            ['sizes', name, 'File'],
            ['sizes', 'f1', 'File'],
          ]),
          size,
        );
        const data = await fsp.readFile(path.join(root, 'sizes', name));
        const padded = Math.ceil(data.length / 512) * 512;
        const f1 = Buffer.concat([await headerOf('sizes/f1', '0'), await fsp.readFile(path.join(root, 'sizes/f1')), Buffer.alloc(511)]);
        const expected = Buffer.concat([await headerOf(`sizes/${name}`, '0'), data, Buffer.alloc(padded - data.length), f1]);
        assert.ok(bytes.equals(expected), `${name} in ${size}-byte chunks`);
        assert.equal(
          results.reduce((n, r) => n + r[4], 0),
          2,
        );
        assert.equal(
          results.reduce((n, r) => n + r[3], 0),
          data.length + 1,
        );
        assert.equal(results.at(-1)![2], TarFillStop.Done);
      }
    });

    it('leaves no room to spare: a header needs a whole block', async () => {
      const d = dumper([['sizes', 'f0', 'File']]);
      const chunk = Buffer.alloc(1000);
      assert.deepEqual((await d.fill(chunk, 600)).slice(0, 3), [600, 0, TarFillStop.Full]);
      assert.deepEqual((await d.fill(chunk, 488)).slice(0, 3), [1000, 1, TarFillStop.Done]);
    });

    it('pads a file that shrank while read with zeros, and cuts one that grew, with the TypeScript warnings', async () => {
      await writeUnder(root, 'change/shrinks', randomBytes(100_000));
      await writeUnder(root, 'change/grows', randomBytes(100_000));
      const d = dumper([
        ['change', 'shrinks', 'File'],
        ['change', 'grows', 'File'],
      ]);
      const before = await fsp.readFile(path.join(root, 'change/shrinks'));
      const grows = await fsp.readFile(path.join(root, 'change/grows'));
      const { bytes, results } = await fillAll(d, 16_384, async (n) => {
        if (n === 0) await fsp.truncate(path.join(root, 'change/shrinks'), 20_000);
        if (n === 8) await fsp.appendFile(path.join(root, 'change/grows'), 'more');
      });
      const warnings = results.flatMap((r) => r[6]);
      assert.deepEqual(warnings, [
        './change/shrinks: file changed as we read it (shrank by 80000 bytes; padded with zeros)',
        './change/grows: file changed as we read it (grew; cut to 100000 bytes)',
      ]);
      const member = 512 + Math.ceil(100_000 / 512) * 512;
      assert.ok(bytes.subarray(512, 512 + 20_000).equals(before.subarray(0, 20_000)), 'what was there is kept');
      assert.ok(
        bytes.subarray(512 + 20_000, member).every((b) => b === 0),
        'the rest is zeros',
      );
      assert.ok(bytes.subarray(member + 512, member + 512 + 100_000).equals(grows), 'the grown file is cut at its size');
      assert.equal(bytes.length, 2 * member);
      assert.equal(
        results.reduce((n, r) => n + r[4], 0),
        2,
      );
    });

    it('rejects bad arguments at the door', async () => {
      const entries: Entry[] = [['sizes', 'f0', 'File']];
      const d = dumper(entries);
      assert.throws(() => d.fill(Buffer.alloc(512), 513), RangeError);
      assert.throws(() => dumper(entries, { dirs: ['a\0b'] }), TypeError);
      assert.throws(() => dumper(entries, { entryDirs: Uint32Array.of(1) }), RangeError);
      assert.throws(() => dumper(entries, { kinds: Uint8Array.of(3) }), RangeError);
      assert.throws(() => dumper(entries, { kinds: Uint8Array.of() }), RangeError);
      assert.throws(() => dumper(entries, { names: 'f0' }), RangeError);
      assert.throws(() => dumper(entries, { names: 'f0\0f1\0' }), RangeError);
      assert.throws(() => dumper(entries, { entryDirs: [0] as unknown as Uint32Array }), TypeError);
      assert.throws(() => dumper(entries, { prefixes: [] }), RangeError);
      assert.throws(() => new native.TarDumper([1], [], [], [], planFor(entries)), RangeError);
      const busy = d.fill(Buffer.alloc(4096), 0);
      assert.throws(() => d.fill(Buffer.alloc(4096), 0), /already in flight/);
      await busy;
    });
  });
});
