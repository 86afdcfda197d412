import assert from 'node:assert/strict';
import { closeSync, constants as C, openSync, promises as fsp, writeSync } from 'node:fs';
import path from 'node:path';
import { extractTar, type HookedMember, type MemberHook } from '../src/engines/tar/index.js';
import { archive, chunked, gnuTar, member, removeDir, tempDir, treeState, writeUnder } from './tar-helpers.test.js';

function paxMember(records: Record<string, string>, name = './PaxHeaders/x'): Buffer {
  const body = Object.entries(records)
    .map(([k, v]) => {
      const text = ` ${k}=${v}\n`;
      const n = Buffer.byteLength(text);
      let len = n + String(n).length;
      if (String(len).length + n !== len) len = String(len).length + n;
      return `${len}${text}`;
    })
    .join('');
  return member({ name, typeflag: 'x' }, Buffer.from(body));
}

describe('tar extract: stock GNU tar chains', function () {
  let dir: string;
  before(async () => {
    dir = await tempDir('extract');
  });
  after(async () => {
    await removeDir(dir);
  });

  type State = Awaited<ReturnType<typeof treeState>>;
  async function stockChain(format: 'gnu' | 'posix', tag: string): Promise<{ files: string[]; states: State[] }> {
    const root = path.join(dir, `src-${format}-${tag}`);
    const snap = path.join(dir, `snap-${format}-${tag}`);
    const files: string[] = [];
    const states: State[] = [];
    const level = async () => {
      const f = path.join(dir, `${format}-${tag}-l${files.length}.tar`);
      gnuTar(['--create', `--format=${format}`, '--listed-incremental', snap, '--no-check-device', '-f', f, '-C', root, '.']);
      files.push(f);
      states.push(await treeState(root));
      // File ctimes come from the kernel's coarse clock (a tick behind) while tar stamps its
      // snapshot with the fine one: a change made within a tick of a dump can look older than
      // it to stock tar, which then leaves it out of the next level. Let a few ticks pass.
      await new Promise((r) => setTimeout(r, 30));
    };
    await writeUnder(root, 'A/fa', 'A');
    await writeUnder(root, 'a-b/fab', 'a-b');
    await writeUnder(root, 'top/mid/leaf/h', 'h');
    await writeUnder(root, 'keep', 'k');
    await writeUnder(root, 'gone', 'g');
    await fsp.symlink('keep', path.join(root, 'ln'));
    await level();
    // swap A and a-b (X record), rename deep, delete, add
    await fsp.rename(path.join(root, 'A'), path.join(root, 'tmpswap'));
    await fsp.rename(path.join(root, 'a-b'), path.join(root, 'A'));
    await fsp.rename(path.join(root, 'tmpswap'), path.join(root, 'a-b'));
    await fsp.rename(path.join(root, 'top/mid/leaf'), path.join(root, 'top/mid/leaf2'));
    await fsp.rm(path.join(root, 'gone'));
    await writeUnder(root, 'top/new', 'n');
    await level();
    await fsp.rename(path.join(root, 'top'), path.join(root, 'top2'));
    await fsp.writeFile(path.join(root, 'keep'), 'k2');
    await level();
    return { files, states };
  }

  for (const [format, extractor] of [
    ['gnu', 'native'],
    ['posix', 'native'],
    ['gnu', 'typescript'],
  ] as const) {
    it(`restores a ${format} chain with directory renames like stock tar (${extractor} extractor)`, async () => {
      const { files, states } = await stockChain(format, extractor);
      const l1 = gnuTar(['--incremental', '--list', '-v', '-v', '-f', files[1]]).stdout.toString();
      assert.match(l1, /\nR \.\/top\/mid\/leaf\n/, 'the chain must carry rename records');
      assert.match(l1, /\nX /);
      const gnu = path.join(dir, `gnu-${format}-${extractor}`);
      const ours = path.join(dir, `ours-${format}-${extractor}`);
      await fsp.mkdir(gnu);
      for (const f of files) {
        gnuTar(['--incremental', '--extract', '-f', f, '-C', gnu]);
        await extractTar(chunked(await fsp.readFile(f), 65536), ours, { sameOwner: true, extractor });
      }
      assert.deepEqual(await treeState(ours), await treeState(gnu));
      assert.deepEqual(await treeState(ours), states[2]);
    });
  }

  it('purges like tar: strays deleted, N entries kept, type mismatches replaced', async () => {
    const root = path.join(dir, 'purge-src');
    await writeUnder(root, 'f', 'f');
    await writeUnder(root, 'd/x', 'x');
    const a = path.join(dir, 'purge.tar');
    gnuTar(['--listed-incremental', path.join(dir, 'purge.snap'), '-cf', a, '-C', root, '.']);
    const target = path.join(dir, 'purge-target');
    await writeUnder(target, 'stray', 's');
    await writeUnder(target, 'straydir/deep/x', 's');
    await writeUnder(target, 'f/inside', 'dir where a file is listed');
    await writeUnder(target, 'd', 'file where a dir is listed');
    await extractTar(chunked(await fsp.readFile(a)), target, { sameOwner: false });
    assert.deepEqual((await fsp.readdir(target)).sort(), ['d', 'f']);
    assert.equal(await fsp.readFile(path.join(target, 'f'), 'utf8'), 'f');
    assert.equal(await fsp.readFile(path.join(target, 'd/x'), 'utf8'), 'x');
  });

  it('unlinks before writing: a hard link to an outside file is not written through', async () => {
    const target = path.join(dir, 'unlink-target');
    const outside = path.join(dir, 'outside-file');
    await fsp.mkdir(target);
    await fsp.writeFile(outside, 'original');
    await fsp.link(outside, path.join(target, 'f'));
    await extractTar(chunked(archive(member({ name: './f' }, Buffer.from('new')))), target, { sameOwner: false });
    assert.equal(await fsp.readFile(outside, 'utf8'), 'original');
    assert.equal(await fsp.readFile(path.join(target, 'f'), 'utf8'), 'new');
  });
});

describe('tar extract: hostile archives', function () {
  let dir: string;
  let outside: string;
  before(async () => {
    dir = await tempDir('hostile');
    outside = await tempDir('hostile-outside');
    await fsp.writeFile(path.join(outside, 'secret'), 'secret');
  });
  after(async () => {
    await removeDir(dir);
    await removeDir(outside);
  });

  const cases: Array<[string, () => Buffer]> = [
    ['../evil', () => archive(member({ name: '../evil' }, Buffer.from('x')))],
    ['absolute name', () => archive(member({ name: `${outside}/evil` }, Buffer.from('x')))],
    ['a/../../evil', () => archive(member({ name: 'a/../../evil' }, Buffer.from('x')))],
    [
      'symlink then file through it',
      () => archive(member({ name: './link', typeflag: '2', linkname: outside }), member({ name: './link/pwned' }, Buffer.from('x'))),
    ],
    [
      'symlink then directory through it',
      () => archive(member({ name: './link', typeflag: '2', linkname: outside }), member({ name: './link/sub/', typeflag: '5' })),
    ],
    ['hard link to ../x', () => archive(member({ name: './h', typeflag: '1', linkname: '../x' }))],
    [
      'hard link through a symlink',
      () =>
        archive(member({ name: './l', typeflag: '2', linkname: outside }), member({ name: './h', typeflag: '1', linkname: './l/secret' })),
    ],
    ['rename record with ..', () => archive(member({ name: './', typeflag: 'D' }, Buffer.from('R./a\0T../evil\0\0')))],
    ['pax path with NUL', () => archive(paxMember({ path: 'a\0b' }), member({ name: './x' }, Buffer.from('x')))],
    ['empty name', () => archive(member({ name: '' }, Buffer.from('x')))],
  ];

  // The native extractor (the default), the TypeScript one, and the dry run (TypeScript).
  const modes = [
    { how: '', dryRun: false, extractor: 'native' },
    { how: ' (TypeScript extractor)', dryRun: false, extractor: 'typescript' },
    { how: ' (dry run)', dryRun: true, extractor: 'typescript' },
  ] as const;
  for (const [title, make] of cases) {
    for (const { how, dryRun, extractor } of modes) {
      it(`refuses ${title}${how}`, async () => {
        const target = await fsp.mkdtemp(path.join(dir, 't-'));
        await assert.rejects(
          extractTar(chunked(make(), 100), target, { sameOwner: false, dryRun, extractor }),
          (err: Error & { code?: string }) => {
            assert.equal(err.code, 'ERR_UNSAFE_ARCHIVE', err.message);
            return true;
          },
        );
        assert.deepEqual((await fsp.readdir(outside)).sort(), ['secret']);
        assert.equal(await fsp.readFile(path.join(outside, 'secret'), 'utf8'), 'secret');
        assert.ok(!(await fsp.readdir(dir)).includes('evil'));
      });
    }
  }

  it('replaces a symlink where a directory member goes instead of following it', async () => {
    const target = await fsp.mkdtemp(path.join(dir, 't-'));
    await fsp.symlink(outside, path.join(target, 'd'));
    await extractTar(
      chunked(archive(member({ name: './d/', typeflag: '5', mode: 0o755 }), member({ name: './d/f' }, Buffer.from('x')))),
      target,
      { sameOwner: false },
    );
    assert.ok((await fsp.lstat(path.join(target, 'd'))).isDirectory());
    assert.deepEqual((await fsp.readdir(outside)).sort(), ['secret']);
  });

  it('dry run validates and writes nothing', async () => {
    const target = path.join(dir, 'dry');
    const stats = await extractTar(chunked(archive(member({ name: './a/b/c' }, Buffer.from('x')))), target, {
      sameOwner: false,
      dryRun: true,
    });
    assert.equal(stats.files, 1);
    await assert.rejects(fsp.stat(target), { code: 'ENOENT' });
  });
});

describe('tar extract: member hooks', function () {
  let dir: string;
  let outside: string;
  before(async () => {
    dir = await tempDir('hooks');
    outside = await tempDir('hooks-outside');
  });
  after(async () => {
    await removeDir(dir);
    await removeDir(outside);
  });

  /** Claims typeflag 'Q': writes the member's data reversed, as an engine of its own would. */
  class ReversingHook implements MemberHook {
    seen: string[] = [];
    handles(typeflag: string): boolean {
      return typeflag === 'Q';
    }
    async extract({ header, abs, body, finish }: HookedMember): Promise<number> {
      this.seen.push(header.name);
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(Buffer.from(chunk));
      const data = Buffer.concat(parts).reverse();
      const fd = openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, data);
        finish(fd);
      } finally {
        closeSync(fd);
      }
      return data.length;
    }
  }

  const hooked = () =>
    archive(
      member({ name: './d/', typeflag: '5', mode: 0o755 }),
      member({ name: './d/q', typeflag: 'Q', mode: 0o640, mtime: 1_600_000_000 }, Buffer.from('abc')),
      member({ name: './plain' }, Buffer.from('plain')),
    );

  for (const dryRun of [false, true]) {
    it(`refuses a member type it does not know when no hook claims it${dryRun ? ' (dry run)' : ''}`, async () => {
      const target = await fsp.mkdtemp(path.join(dir, 't-'));
      await assert.rejects(extractTar(chunked(hooked()), target, { sameOwner: false, dryRun }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_NOT_SUPPORTED', err.message);
        assert.match(err.message, /member "\.\/d\/q" at offset 512 has typeflag "Q", which the tar engine does not extract/);
        return true;
      });
      await assert.rejects(fsp.lstat(path.join(target, 'd', 'q')), { code: 'ENOENT' });
    });
  }

  it("hands a member type its hook claims to the hook; finish sets mode and times; other members stay the extractor's", async () => {
    const target = await fsp.mkdtemp(path.join(dir, 't-'));
    const hook = new ReversingHook();
    const stats = await extractTar(chunked(hooked()), target, { sameOwner: false, memberHook: hook });
    assert.deepEqual(hook.seen, ['./d/q']);
    assert.equal(await fsp.readFile(path.join(target, 'd', 'q'), 'utf8'), 'cba');
    const st = await fsp.stat(path.join(target, 'd', 'q'));
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(st.mtimeMs, 1_600_000_000_000);
    assert.equal(await fsp.readFile(path.join(target, 'plain'), 'utf8'), 'plain');
    assert.equal(stats.files, 2);
    assert.equal(stats.bytesWritten, 3 + 5);
  });

  it('a dry run validates a hooked member without calling the hook', async () => {
    const hook = new ReversingHook();
    const stats = await extractTar(chunked(hooked()), path.join(dir, 'dry'), { sameOwner: false, dryRun: true, memberHook: hook });
    assert.deepEqual(hook.seen, []);
    assert.equal(stats.files, 2);
  });

  it('refuses a hooked member whose path goes through a symlink before the hook runs', async () => {
    const target = await fsp.mkdtemp(path.join(dir, 't-'));
    const hook = new ReversingHook();
    const a = archive(
      member({ name: './link', typeflag: '2', linkname: outside }),
      member({ name: './link/q', typeflag: 'Q' }, Buffer.from('x')),
    );
    await assert.rejects(extractTar(chunked(a), target, { sameOwner: false, memberHook: hook }), { code: 'ERR_UNSAFE_ARCHIVE' });
    assert.deepEqual(hook.seen, []);
    assert.deepEqual(await fsp.readdir(outside), []);
  });
});
