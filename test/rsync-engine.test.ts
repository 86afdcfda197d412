// The agent's --engine rsync: a changed file is stored as a librsync delta against the
// previous level, so a level 1 after changing 1% of a 500 MB file's blocks stays small, and
// the chain restores byte-identical (the mutation suite also runs with --engine rsync).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agent, agentOk, run } from './helpers/agent.js';
import { makeSampleTree, mutate1, snapshotTree, tempDir } from './helpers/tree.js';

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
  before(() => {
    work = tempDir('pf-rsync-');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('stores a level 1 of a 500 MB file with 1% of its blocks changed in under 5% of the file', function () {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    writeRandomFile(path.join(src, 'big.bin'), SIZE);
    const common = [
      '--storage',
      'local',
      '--container',
      path.join(work, 'store'),
      '--backup-name',
      'big',
      '--engine',
      'rsync',
      '--compression',
      'zstd',
    ];
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

  it('with encryption on, encrypts its engine_metadata (file names and signatures) under a salt of its own', function () {
    const src = path.join(work, 'enc-src');
    const store = path.join(work, 'enc-store');
    const pass = path.join(work, 'pass');
    fs.writeFileSync(pass, 'metadata secret\n');
    makeSampleTree(src);
    const LONG_NAME = `${'n'.repeat(120)}.txt`; // a name makeSampleTree writes
    const common = ['--storage', 'local', '--container', store, '--backup-name', 'enc', '--engine', 'rsync', '--quiet'];
    agentOk(['--action', 'backup', '-F', src, '--encrypt-pass-file', pass, ...common]);
    mutate1(src);
    const out = path.join(work, 'enc-l1.json');
    agentOk(['--action', 'backup', '-F', src, '--encrypt-pass-file', pass, '--metadata-out', out, ...common]);
    const info = JSON.parse(fs.readFileSync(out, 'utf8')).permafrost;
    assert.equal(info.level, 1);
    assert.equal(info.engine_metadata.encrypted, true);

    const dir = path.join(store, 'data', 'rsync', fs.readdirSync(path.join(store, 'data', 'rsync'))[0]);
    const l1 = path.join(dir, String(info.l0_timestamp), `1_${info.timestamp}`);
    const stored = fs.readFileSync(path.join(l1, 'engine_metadata'));
    assert.equal(stored.subarray(0, 8).toString('latin1'), 'Salted__');
    assert.notEqual(stored.subarray(8, 16).toString('hex'), info.encryption.salt, 'engine_metadata must not reuse the data stream salt');
    assert.equal(stored.includes(Buffer.from(LONG_NAME)), false, 'a file name is readable in the stored engine_metadata');
    const plain = run('openssl', ['enc', '-d', '-aes-256-cfb', '-md', 'sha256', '-pass', `file:${pass}`], { input: stored });
    assert.equal(plain.status, 0, plain.stderr);
    assert.ok(plain.stdout.includes(Buffer.from(LONG_NAME)), 'stock openssl does not decrypt engine_metadata');

    // A next level needs the parent's signatures, hence the password.
    const noPass = agent(['--action', 'backup', '-F', src, ...common.filter((a) => a !== '--quiet')]); // --quiet hides errors, as Freezer's
    assert.equal(noPass.status, 7, noPass.stderr);
    assert.match(noPass.stderr, /engine metadata of backup 1_\d+.*encrypted: give --encrypt-pass-file/);

    const dest = path.join(work, 'enc-dest');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, '--encrypt-pass-file', pass, ...common]);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
  });
});
