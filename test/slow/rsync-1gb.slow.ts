// The 1 GB members of the rdiff corpus (acceptance 1 and 4 of the rsync issue), kept out of
// `npm test` because they take minutes: `npm run test:slow`.
// A 1 GiB basis (random, text-like and repeated blocks) and a new file made from it with
// inserted ranges, deleted ranges, overwritten blocks and a repeated block: signatures and
// deltas must equal rdiff's under four option sets, each tool must patch the other's delta
// back to the new file, and the event loop must stay responsive while a 1 GB delta runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { deltaToFile, loadSignature, patchToFile, signatureToFile, type SignatureOptions } from '../../src/rsync/index.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;

function rdiff(argv: string[]): void {
  const r = spawnSync('rdiff', ['-f', ...argv], { encoding: 'utf8' });
  assert.equal(r.status, 0, `rdiff ${argv.join(' ')}: ${r.stderr}`);
}

function fileSha(p: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(p, 'r');
  const buf = Buffer.allocUnsafe(8 * MiB);
  try {
    for (let n; (n = fs.readSync(fd, buf)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function sameFile(a: string, b: string, what: string): void {
  const sa = fs.statSync(a).size;
  const sb = fs.statSync(b).size;
  assert.equal(sa, sb, `${what}: ${sa} vs ${sb} bytes`);
  assert.equal(fileSha(a), fileSha(b), `${what}: same size, different bytes`);
}

/** 1 MiB pieces: random, text-like, and a block that repeats all through the file. */
function writeBasis(p: string): void {
  const fd = fs.openSync(p, 'w');
  const repeated = Buffer.alloc(MiB, 'the same block again, ');
  const text = Buffer.alloc(MiB, 'INFO backup finished in 12.5 s; 4096 files, 0 warnings\n');
  const random = Buffer.allocUnsafe(MiB);
  try {
    for (let i = 0; i < SIZE / MiB; i++) {
      if (i % 3 === 0) {
        randomFillSync(random);
        fs.writeSync(fd, random);
      } else fs.writeSync(fd, i % 3 === 1 ? text : repeated);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Streams the basis into the new file with edits at fixed offsets: [offset, bytes deleted, bytes inserted]. */
function writeNext(basis: string, p: string): void {
  const edits: Array<[number, number, Buffer]> = [];
  for (let i = 0; i < 40; i++) {
    const at = Math.floor(((i + 0.5) * SIZE) / 40);
    const kind = i % 4;
    const rnd = randomFillSync(Buffer.allocUnsafe(kind === 0 ? 4096 : 1 + ((i * 7919) % 70_000)));
    if (kind === 0)
      edits.push([at, 4096, rnd]); // overwritten block
    else if (kind === 1)
      edits.push([at, 0, rnd]); // inserted range
    else if (kind === 2)
      edits.push([at, 100_000 + i, Buffer.alloc(0)]); // deleted range
    else edits.push([at, 0, Buffer.alloc(200_000, 'the same block again, ')]); // repeated data inserted
  }
  const src = fs.openSync(basis, 'r');
  const out = fs.openSync(p, 'w');
  const buf = Buffer.allocUnsafe(8 * MiB);
  const copy = (from: number, to: number) => {
    for (let at = from; at < to;) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, to - at), at);
      fs.writeSync(out, buf, 0, n);
      at += n;
    }
  };
  try {
    let pos = 0;
    for (const [at, del, ins] of edits) {
      copy(pos, at);
      fs.writeSync(out, ins);
      pos = at + del;
    }
    copy(pos, SIZE);
  } finally {
    fs.closeSync(src);
    fs.closeSync(out);
  }
}

const OPTION_SETS: Array<{ name: string; argv: string[]; opts: SignatureOptions }> = [
  { name: 'defaults', argv: [], opts: {} },
  { name: '-b 512 -S 8', argv: ['-b', '512', '-S', '8'], opts: { blockLength: 512, strongLength: 8 } },
  { name: '-H md4', argv: ['-H', 'md4'], opts: { hash: 'md4' } },
  { name: '-R rollsum', argv: ['-R', 'rollsum'], opts: { rollsum: 'rollsum' } },
];

describe('rsync: 1 GB pair against rdiff 2.3.2 (slow)', function () {
  this.timeout(0);
  let dir: string;
  let basis: string;
  let next: string;
  const f = (name: string) => path.join(dir, name);

  before(function () {
    if (spawnSync('rdiff', ['--version']).status !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-rsync-1gb-'));
    basis = f('basis');
    next = f('next');
    writeBasis(basis);
    writeNext(basis, next);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const set of OPTION_SETS) {
    it(`${set.name}: same signature and delta as rdiff; each patches the other's delta`, async function () {
      rdiff([...set.argv, 'signature', basis, f('ref.sig')]);
      await signatureToFile(basis, f('our.sig'), set.opts);
      sameFile(f('our.sig'), f('ref.sig'), 'signature');
      rdiff(['delta', f('ref.sig'), next, f('ref.delta')]);
      await deltaToFile(f('ref.sig'), next, f('our.delta'));
      sameFile(f('our.delta'), f('ref.delta'), 'delta');
      rdiff(['patch', basis, f('our.delta'), f('rdiff-patched')]);
      sameFile(f('rdiff-patched'), next, 'rdiff patching our delta');
      await patchToFile(basis, f('ref.delta'), f('our-patched'));
      sameFile(f('our-patched'), next, "our patch of rdiff's delta");
      console.log(`      signature ${fs.statSync(f('our.sig')).size} B, delta ${fs.statSync(f('our.delta')).size} B`);
      for (const x of ['ref.sig', 'our.sig', 'ref.delta', 'our.delta', 'rdiff-patched', 'our-patched']) fs.rmSync(f(x));
    });
  }

  it('the event loop stays responsive while a 1 GB delta runs (p99 lag of a 1 ms timer < 20 ms)', async function () {
    await signatureToFile(basis, f('sig'));
    const sig = await loadSignature(fs.readFileSync(f('sig')));
    const lag = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 1);
    const t0 = Date.now();
    lag.enable();
    await deltaToFile(sig, next, f('delta'));
    lag.disable();
    clearInterval(timer);
    const p99 = lag.percentile(99) / 1e6;
    console.log(
      `      1 GB delta in ${((Date.now() - t0) / 1000).toFixed(1)} s; loop lag p99 ${p99.toFixed(2)} ms, max ${(lag.max / 1e6).toFixed(1)} ms; ${ticks} ticks`,
    );
    assert.ok(p99 < 20, `p99 event-loop lag ${p99.toFixed(1)} ms`);
    await patchToFile(basis, f('delta'), f('rebuilt'));
    sameFile(f('rebuilt'), next, 'rebuilt 1 GB file');
  });
});
