import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  compareNames,
  decodeDumpdir,
  decodeHeader,
  encodeDumpdir,
  encodeHeader,
  encodeMemberHeader,
  memberHeaderLength,
  readNumeric,
  writeNumeric,
  type HeaderFields,
} from '../src/engines/tar/index.js';
import { archiveHeaders, gnuTar, removeDir, tempDir } from './tar-helpers.test.js';

const base: HeaderFields = {
  name: './a.txt',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 6,
  mtime: 1795349535,
  typeflag: '0',
  uname: 'root',
  gname: 'root',
};

describe('tar header codec', () => {
  it('writes base-256 for values that do not fit in octal (bytes from the reference)', () => {
    const b = encodeHeader({ ...base, uid: 3000000, gid: 70000000, mtime: 10_000_000_000 });
    assert.equal(b.subarray(108, 116).toString('hex'), '80000000002dc6c0');
    assert.equal(b.subarray(116, 124).toString('hex'), '80000000042c1d80');
    assert.equal(b.subarray(136, 148).toString('hex'), '8000000000000002540be400');
    const neg = encodeHeader({ ...base, mtime: -100 });
    assert.equal(neg.subarray(136, 148).toString('hex'), 'ffffffffffffffffffffff9c');
    const back = decodeHeader(b);
    assert.equal(back.uid, 3000000);
    assert.equal(back.gid, 70000000);
    assert.equal(back.mtime, 10_000_000_000);
    assert.equal(decodeHeader(neg).mtime, -100);
  });

  it('uses octal with NUL up to the field limit and base-256 beyond', () => {
    const buf = Buffer.alloc(12);
    writeNumeric(buf, 0, 8, 0o7777777);
    assert.equal(buf.subarray(0, 8).toString('latin1'), '7777777\0');
    writeNumeric(buf, 0, 8, 0o7777777 + 1);
    assert.equal(buf.subarray(0, 8).toString('hex'), '8000000000200000');
    writeNumeric(buf, 0, 12, 8 * 1024 ** 3); // 8 GiB: first size that needs base-256
    assert.equal(buf.toString('hex'), '800000000000000200000000');
    assert.equal(readNumeric(buf, 0, 12), 8 * 1024 ** 3);
  });

  it('writes the checksum as %06o NUL space and rejects a corrupted block', () => {
    const b = encodeHeader(base);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i];
    assert.equal(b.subarray(148, 156).toString('latin1'), `${sum.toString(8).padStart(6, '0')}\0 `);
    assert.equal(b.subarray(257, 265).toString('latin1'), 'ustar  \0');
    b[0] ^= 1;
    assert.throws(() => decodeHeader(b), /checksum/);
  });

  it('round-trips every field, atime/ctime and device numbers included', () => {
    const h: HeaderFields = {
      ...base,
      typeflag: '3',
      mode: 0o6755,
      uid: 1000,
      gid: 2000,
      size: 0,
      devmajor: 1,
      devminor: 3,
      atime: 1795349536,
      ctime: 1795349537,
      linkname: 'x'.repeat(100),
      name: 'n'.repeat(100),
    };
    const d = decodeHeader(encodeHeader(h));
    for (const k of [
      'name',
      'mode',
      'uid',
      'gid',
      'size',
      'mtime',
      'typeflag',
      'linkname',
      'uname',
      'gname',
      'devmajor',
      'devminor',
      'atime',
      'ctime',
    ] as const) {
      assert.equal(d[k], h[k], k);
    }
    assert.equal(d.magic, 'gnu');
  });

  it('matches GNU tar byte for byte, long-name and long-link entries included', async function () {
    const dir = await tempDir('hdr');
    try {
      const tree = path.join(dir, 'tree');
      await fsp.mkdir(tree);
      const longName = 'n'.repeat(120);
      await fsp.writeFile(path.join(tree, longName), 'hello\n');
      await fsp.symlink('t'.repeat(111), path.join(tree, 'l'));
      const archive = gnuTar(['--listed-incremental', path.join(dir, 'snap'), '-cf', '-', '-C', tree, '.']).stdout;
      const members = archiveHeaders(archive).filter((m) => !['L', 'K', 'D'].includes(m.header.typeflag));
      for (const { offset, header } of members) {
        const plain = { ...header, devmajor: undefined, devminor: undefined };
        const full = header.typeflag === '2' ? { ...plain, linkname: 't'.repeat(111) } : { ...plain, name: `./${longName}` };
        const n = memberHeaderLength(full);
        const ours = Buffer.alloc(n);
        encodeMemberHeader(full, ours, 0, { uname: 'root', gname: 'root' });
        const theirs = archive.subarray(offset + 512 - n, offset + 512);
        assert.equal(ours.toString('hex'), theirs.toString('hex'), `header of ${full.name}`);
      }
    } finally {
      await removeDir(dir);
    }
  });
});

describe('dumpdir codec', () => {
  it('encodes letter+name+NUL per entry and a list-end NUL', () => {
    const data = encodeDumpdir([
      { letter: 'Y', name: 'a.txt' },
      { letter: 'D', name: 'sub' },
      { letter: 'N', name: 'z' },
    ]);
    assert.equal(data.toString('latin1'), 'Ya.txt\0Dsub\0Nz\0\0');
    assert.deepEqual(decodeDumpdir(data), [
      { letter: 'Y', name: 'a.txt' },
      { letter: 'D', name: 'sub' },
      { letter: 'N', name: 'z' },
    ]);
    assert.equal(encodeDumpdir([]).toString('hex'), '00');
  });

  it('sorts names by UTF-8 bytes (strcmp)', () => {
    const names = ['a/c', 'a-b', 'a', 'é', '\u{1F600}', '\uFFFD', 'Z'];
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...names].sort(compareNames), bytes);
  });
});
