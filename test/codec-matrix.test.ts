// Acceptance 4: every codec × cipher on/off round-trips 0 B, 1 B, 1 MiB + 1 and a 200 MB file
// through the CLI, and the stock tools (openssl, gzip/bzip2/xz/zstd, tar) read what we wrote.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agentOk } from './helpers/agent.js';
import { stockRestore } from './helpers/stock.js';
import { requireTool } from './helpers/tools.js';
import { snapshotTree, tempDir } from './helpers/tree.js';

const CODECS = ['gzip', 'bzip2', 'xz', 'zstd', 'none'];
const SMALL_SIZES = [0, 1, (1 << 20) + 1];
const BIG = 200_000_000;

/** Half random, half text-like: realistic for every codec, and fast to make. */
function mixedData(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  const text = Buffer.from('permafrost backup data line with some repetition 0123456789\n'.repeat(20_000));
  for (let off = 0, i = 0; off < size; i++) {
    const part = i % 2 === 0 ? randomBytes(Math.min(1 << 20, size - off)) : text.subarray(0, Math.min(text.length, size - off));
    part.copy(b, off);
    off += part.length;
  }
  return b;
}

function roundTrip(work: string, name: string, file: Buffer, codec: string, encrypted: boolean): void {
  const dir = fs.mkdtempSync(path.join(work, `${name}-`));
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'payload.bin'), file);
    const pass = path.join(dir, 'pass');
    fs.writeFileSync(pass, 'matrix\n');
    const common = [
      '--storage',
      'local',
      '--container',
      path.join(dir, 'store'),
      '--backup-name',
      'm',
      '--compression',
      codec,
      ...(encrypted ? ['--encrypt-pass-file', pass] : []),
    ];
    agentOk(['--action', 'backup', '--path-to-backup', src, '--quiet', ...common]);
    const expected = snapshotTree(src);
    agentOk(['--action', 'restore', '--restore-abs-path', path.join(dir, 'ours'), ...common]);
    assert.deepEqual(snapshotTree(path.join(dir, 'ours')), expected, 'permafrost restore');
    stockRestore(path.join(dir, 'store'), path.join(dir, 'stock'), pass);
    assert.deepEqual(snapshotTree(path.join(dir, 'stock')), expected, 'stock tools restore');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('codec × cipher matrix', function () {
  let work: string;
  before(() => {
    for (const t of ['openssl', 'gzip', 'bzip2', 'xz', 'zstd', 'tar']) requireTool(t);
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const codec of CODECS) {
    for (const encrypted of [false, true]) {
      const label = `${codec}${encrypted ? ' + aes-256-cfb' : ''}`;
      it(`${label}: 0 B, 1 B, 1 MiB + 1`, function () {
        for (const size of SMALL_SIZES) roundTrip(work, `s${size}`, mixedData(size), codec, encrypted);
      });
      it(`${label}: 200 MB`, function () {
        roundTrip(work, 'big', mixedData(BIG), codec, encrypted);
      });
    }
  }
});
