import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readTar, type TarEntryHeader } from '../src/engines/tar/index.js';
import { chunked, gnuTar, removeDir, tempDir } from './tar-helpers.test.js';

async function entries(data: Buffer, chunk = 1000): Promise<Array<TarEntryHeader & { data: string }>> {
  const out: Array<TarEntryHeader & { data: string }> = [];
  for await (const e of readTar(chunked(data, chunk))) {
    const parts: Buffer[] = [];
    for await (const b of e.body) parts.push(b);
    out.push({ ...e.header, data: Buffer.concat(parts).toString() });
  }
  return out;
}

describe('tar reader', () => {
  let dir: string;
  let tree: string;
  before(async () => {
    dir = await tempDir('reader');
    tree = path.join(dir, 'tree');
    await fsp.mkdir(path.join(tree, 'sub'), { recursive: true });
    await fsp.writeFile(path.join(tree, 'sub', 'f'), 'data of f');
    await fsp.writeFile(path.join(tree, 'n'.repeat(150)), 'long');
    await fsp.symlink('l'.repeat(120), path.join(tree, 'sym'));
  });
  after(async () => {
    await removeDir(dir);
  });

  for (const format of ['gnu', 'posix']) {
    it(`reads ${format} incremental archives: dumpdirs, long names, data`, async () => {
      const a = gnuTar(['--format', format, '--listed-incremental', path.join(dir, `s-${format}`), '-cf', '-', '-C', tree, '.']).stdout;
      const list = await entries(a, 333);
      assert.deepEqual(
        list.map((e) => [e.name, e.type]),
        [
          ['./', 'D'],
          ['./sub/', 'D'],
          [`./${'n'.repeat(150)}`, '0'],
          ['./sym', '2'],
          ['./sub/f', '0'],
        ],
      );
      assert.deepEqual(list[0].dumpdir, [
        { letter: 'Y', name: 'n'.repeat(150) },
        { letter: 'D', name: 'sub' },
        { letter: 'Y', name: 'sym' },
      ]);
      assert.equal(list[3].linkname, 'l'.repeat(120));
      assert.equal(list[4].data, 'data of f');
    });
  }

  it('reads concatenated archives through zero blocks (--ignore-zeros)', async () => {
    const a = gnuTar(['-cf', '-', '-C', tree, 'sub']).stdout;
    const list = await entries(Buffer.concat([a, a]));
    assert.deepEqual(
      list.map((e) => e.name),
      ['sub/', 'sub/f', 'sub/', 'sub/f'],
    );
  });

  it('skips bodies that are not read', async () => {
    const a = gnuTar(['-cf', '-', '-C', tree, '.']).stdout;
    const names: string[] = [];
    for await (const e of readTar(chunked(a, 100))) names.push(e.header.name);
    assert.equal(names.length, 5);
  });

  it('rejects a corrupt header with its offset, and a truncated archive', async () => {
    const a = gnuTar(['-cf', '-', '-C', tree, 'sub']).stdout;
    const bad = Buffer.from(a);
    bad[512 + 3] ^= 0x20; // second header: sub/f
    await assert.rejects(entries(bad), { code: 'ERR_INTEGRITY', message: /corrupt tar header at offset 512/ });
    await assert.rejects(entries(a.subarray(0, 512 + 512 + 4)), { code: 'ERR_INTEGRITY', message: /truncated/ });
    await assert.rejects(entries(a.subarray(0, 700)), { code: 'ERR_INTEGRITY', message: /truncated/ });
  });

  it('refuses old GNU sparse members as not supported', async () => {
    const sparse = path.join(dir, 'sparse');
    const fh = await fsp.open(sparse, 'w');
    await fh.write('x', 500000);
    await fh.truncate(1 << 20);
    await fh.close();
    const a = gnuTar(['--sparse', '--format=gnu', '-cf', '-', '-C', dir, 'sparse']).stdout;
    await assert.rejects(entries(a), { code: 'ERR_NOT_SUPPORTED', message: /sparse/ });
  });
});
