// What the summary reports about a level: new/changed/unchanged/removed non-directories,
// counted against the previous level's snapshot on a real tree changed between levels; and
// the scan's totals (what the dump will read), which must equal what the dump then read.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SourceTotals, type TarBackupOptions } from '../src/engines/tar/index.js';
import { backup, removeDir, tempDir, writeUnder } from './tar-helpers.test.js';

/** Changes made now get a ctime after the next level's snapshot time (taken 100 ms early). */
const settle = () => new Promise((r) => setTimeout(r, 250));

describe('tar engine: changes since the previous level, and the scan totals', function () {
  let root: string;
  let src: string;
  const level = async (previousSnapshot: Buffer | null, totals?: SourceTotals) => {
    const opts: TarBackupOptions = { root: src, previousSnapshot, exclude: ['*.log'], sourceTotals: totals, userNames: false };
    return backup(opts);
  };

  before(async function () {
    root = await tempDir('changes');
    src = path.join(root, 'src');
    for (const [rel, data] of [
      ['a', 'aaaa'],
      ['b', 'bb'],
      ['c', 'c'.repeat(3000)],
      ['sub/d', 'dd'],
      ['sub/e', 'eeeee'],
      ['gone/g1', 'g1'],
      ['gone/g2', 'g2'],
      ['x.log', 'excluded'],
    ])
      await writeUnder(src, rel, data);
    await fsp.link(path.join(src, 'c'), path.join(src, 'hl'));
    await fsp.symlink('a', path.join(src, 'link'));
    await settle();
  });
  after(async () => removeDir(root));

  it('counts every level by name against its parent, directories and excluded names aside', async function () {
    const chainStart = await level(null);
    // a b c hl link sub/d sub/e gone/g1 gone/g2 (x.log is excluded, directories are not counted)
    assert.deepEqual(chainStart.stats.changes, { new: 9, changed: 0, unchanged: 0, removed: 0 });

    await writeUnder(src, 'a', 'AAAA!');
    await fsp.rm(path.join(src, 'b'));
    await writeUnder(src, 'f', 'new file');
    await fsp.rm(path.join(src, 'gone'), { recursive: true });
    await writeUnder(src, 'sub/d', 'DD');
    await writeUnder(src, 'newdir/h', 'h');
    await writeUnder(src, 'x.log', 'still excluded');
    await settle();
    const l1 = await level(chainStart.snapshot);
    // new: f, newdir/h; changed: a, sub/d; unchanged: c, hl, link, sub/e; removed: b, gone/g1, gone/g2
    assert.deepEqual(l1.stats.changes, { new: 2, changed: 2, unchanged: 4, removed: 3 });

    await writeUnder(src, 'c', 'C'); // and its other name, hl, whose inode changed with it
    await settle();
    const l2 = await level(l1.snapshot);
    assert.deepEqual(l2.stats.changes, { new: 0, changed: 2, unchanged: 6, removed: 0 });
  });

  it('totals from the scan are what the dump then reads (a hard link counted once)', async function () {
    const totals = new SourceTotals();
    const chainStart = await level(null, totals);
    assert.equal(totals.complete, true);
    assert.equal(totals.files, chainStart.stats.files);
    assert.equal(totals.bytes, chainStart.stats.bytesRead);
    assert.equal(chainStart.stats.hardlinks, 1);
    // a, c (hl is its second name), f, sub/d, sub/e, newdir/h
    assert.equal(totals.files, 6);
    assert.equal(totals.bytes, 5 + 1 + 8 + 2 + 5 + 1);

    await writeUnder(src, 'sub/e', 'EEEEEEE');
    await settle();
    const incremental = new SourceTotals();
    const l1 = await level(chainStart.snapshot, incremental);
    assert.deepEqual([incremental.files, incremental.bytes], [1, 7]);
    assert.deepEqual([l1.stats.files, l1.stats.bytesRead], [1, 7]);
  });

  it('a single file as the source: new at level 0, then changed or unchanged', async function () {
    const file = path.join(root, 'single');
    await fsp.writeFile(file, 'one');
    await settle();
    const run = (prev: Buffer | null) => backup({ root: file, previousSnapshot: prev, userNames: false });
    const chainStart = await run(null);
    assert.deepEqual(chainStart.stats.changes, { new: 1, changed: 0, unchanged: 0, removed: 0 });
    assert.deepEqual((await run(chainStart.snapshot)).stats.changes, { new: 0, changed: 0, unchanged: 1, removed: 0 });
    await fsp.writeFile(file, 'two');
    assert.deepEqual((await run(chainStart.snapshot)).stats.changes, { new: 0, changed: 1, unchanged: 0, removed: 0 });
  });
});
