import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseSnapshot, serializeSnapshot } from '../src/engines/tar/index.js';
import { gnuTar, removeDir, tempDir } from './tar-helpers.test.js';

describe('tar snapshot file (format 2)', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('snap');
  });
  after(async () => {
    await removeDir(dir);
  });

  async function gnuSnapshot(): Promise<Buffer> {
    const tree = path.join(dir, 'tree');
    await fsp.mkdir(path.join(tree, 'sub', 'deep'), { recursive: true });
    await fsp.mkdir(path.join(tree, 'empty'));
    await fsp.writeFile(path.join(tree, 'a.txt'), 'a');
    await fsp.writeFile(path.join(tree, 'sub', 'f'), 'f');
    await fsp.writeFile(path.join(tree, 'é-ünïcode'), 'u');
    const snap = path.join(dir, 'snap');
    gnuTar(['--listed-incremental', snap, '-cf', '/dev/null', '-C', tree, '.'], { allow: [0, 2] });
    return fsp.readFile(snap);
  }

  it('parses a GNU tar snapshot and serializes it back byte-identical', async () => {
    const raw = await gnuSnapshot();
    const s = parseSnapshot(raw)!;
    assert.equal(s.header, 'GNU tar-1.34-2');
    const names = s.directories.map((d) => d.name).sort();
    assert.deepEqual(names, ['.', './empty', './sub', './sub/deep']);
    const top = s.directories.find((d) => d.name === '.')!;
    assert.deepEqual(
      top.entries.map((e) => e.letter + e.name),
      ['Ya.txt', 'Dempty', 'Dsub', 'Yé-ünïcode'],
    );
    assert.equal(s.directories.find((d) => d.name === './empty')!.entries.length, 0);
    const st = await fsp.stat(path.join(dir, 'tree', 'sub'), { bigint: true });
    assert.equal(s.directories.find((d) => d.name === './sub')!.ino, st.ino);
    assert.ok(serializeSnapshot(s).equals(raw));
  });

  it('treats empty or absent input as level 0', () => {
    assert.equal(parseSnapshot(null), null);
    assert.equal(parseSnapshot(Buffer.alloc(0)), null);
  });

  it('accepts format 2 headers of other tar versions', () => {
    const raw = Buffer.from('GNU tar-1.30-2\n12\x003\x000\x001\x002\x003\x004\x00.\x00Ya\x00\x00\x00', 'latin1');
    const s = parseSnapshot(raw)!;
    assert.equal(s.timeSec, 12n);
    assert.deepEqual(s.directories[0].entries, [{ letter: 'Y', name: 'a' }]);
    assert.ok(serializeSnapshot(s).equals(raw));
  });

  it('rejects malformed input with an integrity error naming the byte offset', () => {
    const bad: Array<[string, RegExp]> = [
      ['GNU tar-1.34-2\n12\x003\x000\x001\x002\x003\x004\x00.\x00Ya\x00\x00X', /byte 36: missing record terminator/],
      ['GNU tar-1.34-2\n12\x00x3\x00', /byte 18: invalid/],
      ['GNU tar-1.34-2\n12\x003\x000\x001\x002', /byte 24: unexpected end/],
      ['GNU tar-1.34-2\n12\x003\x007\x001\x002\x003\x004\x00.\x00\x00\x00', /byte 20: invalid nfs flag/],
      ['garbage', /byte 0/],
    ];
    for (const [text, re] of bad) {
      assert.throws(
        () => parseSnapshot(Buffer.from(text, 'latin1')),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_INTEGRITY', text);
          assert.match(err.message, re);
          return true;
        },
      );
    }
    assert.throws(() => parseSnapshot(Buffer.from('GNU tar-1.34-1\n', 'latin1')), { code: 'ERR_NOT_SUPPORTED' });
  });
});
