// The agent's --engine rsync: a changed file is stored as a librsync delta against the
// previous level, so a level 1 after changing 1% of a 500 MB file's blocks stays small, and
// the chain restores byte-identical (the mutation suite also runs with --engine rsync).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agentOk } from './helpers/agent.js';
import { tempDir } from './helpers/tree.js';

const SIZE = 500_000_000;
const BLOCK = 4096;

function writeRandomFile(file: string, size: number): void {
  const fd = fs.openSync(file, 'w');
  const chunk = randomBytes(8 << 20);
  for (let off = 0; off < size; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - off));
  fs.closeSync(fd);
}

/** Overwrites 100 bytes inside 1% of the file's 4 KiB blocks, spread evenly. */
function changeOnePercentOfBlocks(file: string): void {
  const fd = fs.openSync(file, 'r+');
  const blocks = Math.floor(SIZE / BLOCK);
  for (let b = 0; b < blocks; b += 100) fs.writeSync(fd, randomBytes(100), 0, 100, b * BLOCK + 1000);
  fs.closeSync(fd);
}

describe('rsync engine', function () {
  let work: string;
  before(() => { work = tempDir('pf-rsync-'); });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('stores a level 1 of a 500 MB file with 1% of its blocks changed in under 5% of the file', function () {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    writeRandomFile(path.join(src, 'big.bin'), SIZE);
    const common = ['--storage', 'local', '--container', path.join(work, 'store'), '--backup-name', 'big', '--engine', 'rsync', '--compression', 'zstd'];
    agentOk(['--action', 'backup', '-F', src, '--quiet', ...common]);
    changeOnePercentOfBlocks(path.join(src, 'big.bin'));
    const out = path.join(work, 'l1.json');
    agentOk(['--action', 'backup', '-F', src, '--metadata-out', out, ...common]);
    const meta = JSON.parse(fs.readFileSync(out, 'utf8')).permafrost;
    assert.equal(meta.level, 1);
    assert.equal(meta.rsync.deltas, 1);
    assert.ok(meta.data.size < 0.05 * SIZE, `level 1 stored ${meta.data.size} bytes`);
    const dest = path.join(work, 'dest');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, ...common]);
    const a = fs.openSync(path.join(src, 'big.bin'), 'r');
    const b = fs.openSync(path.join(dest, 'big.bin'), 'r');
    const x = Buffer.alloc(8 << 20);
    const y = Buffer.alloc(8 << 20);
    for (let off = 0; off < SIZE; off += x.length) {
      const n = fs.readSync(a, x, 0, x.length, off);
      assert.equal(fs.readSync(b, y, 0, y.length, off), n);
      assert.ok(x.subarray(0, n).equals(y.subarray(0, n)), `bytes differ near offset ${off}`);
    }
    fs.closeSync(a);
    fs.closeSync(b);
  });
});
