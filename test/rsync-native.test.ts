// Tests for the native rsync core (native/core/rsync, native/napi/rsync_*.cc). Every
// signature and delta is compared byte for byte with Debian's `rdiff` 2.3.2, and patches are
// cross-applied both ways.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { native, type NativeRsyncJob, type NativeRsyncSignature, type RsyncMagic } from '../src/native.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// Deterministic pseudo-random bytes (xorshift32, four bytes per step).
function randomBytes(n: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(n / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, n);
}

// Text-like stretches between random ones, so blocks repeat and weak sums collide.
function mixedBytes(n: number, seed: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < n; i++) {
    const piece =
      i % 2 === 0
        ? randomBytes(20_000 + ((seed * 7919 + i * 104_729) % 30_000), seed + i)
        : Buffer.from(Array.from({ length: 400 }, (_, j) => `row ${j % 50} of block ${i % 3}\n`).join(''));
    parts.push(piece);
    total += piece.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

function insertAt(b: Buffer, at: number, add: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, at), add, b.subarray(at)]);
}

function deleteRange(b: Buffer, at: number, n: number): Buffer {
  return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
}

interface Pair {
  name: string;
  basis: Buffer;
  next: Buffer;
}

function corpus(): Pair[] {
  const m = mixedBytes(300 * KiB, 11);
  const blk = randomBytes(4096, 5);
  const repeated = Buffer.concat(Array.from({ length: 40 }, (_, i) => (i % 5 === 3 ? randomBytes(4096, 100 + i) : blk)));
  const big = mixedBytes(32 * MiB, 3);
  let bigNext = big;
  for (let i = 0; i < 20; i++) bigNext = insertAt(bigNext, (i * 1_634_567) % bigNext.length, randomBytes(1 + i * 97, 400 + i));
  bigNext = deleteRange(bigNext, 9 * MiB, 70_001);
  return [
    { name: 'empty -> empty', basis: Buffer.alloc(0), next: Buffer.alloc(0) },
    { name: 'empty -> 100 KB (slack delta)', basis: Buffer.alloc(0), next: randomBytes(100_000, 1) },
    { name: '1 B -> 1 B', basis: Buffer.from('x'), next: Buffer.from('x') },
    { name: '1 B -> 2 B', basis: Buffer.from('x'), next: Buffer.from('yx') },
    { name: '64 KiB - 1', basis: mixedBytes(64 * KiB - 1, 2), next: insertAt(mixedBytes(64 * KiB - 1, 2), 1000, Buffer.from('hello')) },
    { name: '64 KiB', basis: mixedBytes(64 * KiB, 3), next: deleteRange(mixedBytes(64 * KiB, 3), 30_000, 333) },
    { name: '64 KiB + 1', basis: mixedBytes(64 * KiB + 1, 4), next: mixedBytes(64 * KiB + 1, 4) },
    { name: 'inserted ranges', basis: m, next: insertAt(insertAt(m, 250_000, randomBytes(5000, 9)), 17, randomBytes(3, 8)) },
    { name: 'deleted ranges', basis: m, next: deleteRange(deleteRange(m, 200_000, 40_000), 100, 7) },
    { name: 'repeated blocks', basis: repeated, next: Buffer.concat([repeated.subarray(8192), blk, blk, repeated.subarray(0, 5000)]) },
    { name: 'unrelated data', basis: randomBytes(200_000, 21), next: randomBytes(150_000, 22) },
    { name: 'zeros', basis: Buffer.alloc(70_000), next: Buffer.alloc(100_003) },
    { name: '~32 MiB pair', basis: big, next: bigNext },
  ];
}

interface Variant {
  argv: string[];
  magic: RsyncMagic;
  blockLength: number;
  strongLength: number;
}

const VARIANTS: Variant[] = [
  { argv: [], magic: 'rk-blake2', blockLength: 0, strongLength: 0 },
  { argv: ['-b', '512', '-S', '8'], magic: 'rk-blake2', blockLength: 512, strongLength: 8 },
  { argv: ['-H', 'md4'], magic: 'rk-md4', blockLength: 0, strongLength: 0 },
  { argv: ['-R', 'rollsum'], magic: 'rs-blake2', blockLength: 0, strongLength: 0 },
  { argv: ['-H', 'md4', '-R', 'rollsum', '-S', '-1'], magic: 'rs-md4', blockLength: 0, strongLength: -1 },
];

function rdiff(argv: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('rdiff', ['-f', ...argv], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr };
}

function rdiffOk(argv: string[]): void {
  const r = rdiff(argv);
  assert.equal(r.status, 0, `rdiff ${argv.join(' ')} failed: ${r.stderr}`);
}

// Feeds `input` in `inChunk` pieces with fresh `outSize` outputs until the job is done.
async function runJob(job: NativeRsyncJob, input: Buffer, inChunk: number, outSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const end = Math.min(input.length, off + inChunk);
    const out = Buffer.alloc(outSize);
    const [consumed, produced, done] = await job.iterate(input.subarray(off, end), out, end === input.length);
    assert.ok(consumed <= end - off && produced <= outSize);
    parts.push(out.subarray(0, produced));
    off += consumed;
    if (done) break;
    assert.ok(consumed > 0 || produced > 0, 'a job with input and output room made no progress');
  }
  return Buffer.concat(parts);
}

async function withFds<T>(inPath: string, outPath: string, fn: (inFd: number, outFd: number) => Promise<T>): Promise<T> {
  const inFd = fs.openSync(inPath, 'r');
  const outFd = fs.openSync(outPath, 'w');
  try {
    return await fn(inFd, outFd);
  } finally {
    fs.closeSync(inFd);
    fs.closeSync(outFd);
  }
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string, re?: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (re) assert.match(err.message, re);
    return;
  }
  assert.fail(`expected a ${code} error`);
}

describe('native rsync (rdiff 2.3.2 compatible)', function () {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  const read = (name: string): Buffer => fs.readFileSync(file(name));

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-rsync-'));
    const v = spawnSync('rdiff', ['--version'], { encoding: 'utf8' });
    if (v.error || !/2\.3\.2/.test(v.stdout + v.stderr)) throw new Error('these tests need Debian rdiff 2.3.2 on PATH');
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes its known-answer selftest (MD4, BLAKE2b, rollsum, RabinKarp)', function () {
    assert.equal(native._selftest(), true);
  });

  describe('byte equality with rdiff over the corpus', function () {
    const pairs = corpus();
    for (const pair of pairs) {
      it(`${pair.name} (${pair.basis.length} -> ${pair.next.length} B), all signature variants`, async function () {
        fs.writeFileSync(file('old'), pair.basis);
        fs.writeFileSync(file('new'), pair.next);
        for (const v of VARIANTS) {
          const tag = `${pair.name} [${v.argv.join(' ') || 'defaults'}]`;
          // Signature: rdiff vs signatureFile vs SignatureJob told the size.
          rdiffOk([...v.argv, 'signature', file('old'), file('sig.r')]);
          const sr = await withFds(file('old'), file('sig.o'), (i, o) =>
            native.signatureFile(i, o, v.blockLength, v.strongLength, v.magic),
          );
          const rsig = read('sig.r');
          assert.ok(rsig.equals(read('sig.o')), `signature differs: ${tag}`);
          assert.deepEqual(sr, { inBytes: pair.basis.length, outBytes: rsig.length });
          const job = new native.SignatureJob(v.blockLength, v.strongLength, v.magic, pair.basis.length);
          assert.ok((await runJob(job, pair.basis, 4 * MiB, 4 * MiB)).equals(rsig), `SignatureJob differs: ${tag}`);

          // Delta: rdiff vs deltaFile vs DeltaJob, all against rdiff's signature.
          const sig = await native.loadSignature(rsig);
          rdiffOk(['delta', file('sig.r'), file('new'), file('delta.r')]);
          await withFds(file('new'), file('delta.o'), (i, o) => native.deltaFile(sig, i, o));
          const rdelta = read('delta.r');
          assert.ok(rdelta.equals(read('delta.o')), `delta differs: ${tag}`);
          assert.ok((await runJob(new native.DeltaJob(sig), pair.next, MiB, MiB)).equals(rdelta), `DeltaJob differs: ${tag}`);
          // The file cut into ranges scanned at once (forced: by size only the 32 MiB pair is).
          for (const threads of [2, 5]) {
            await withFds(file('new'), file('delta.t'), (i, o) => native.deltaFile(sig, i, o, undefined, false, threads));
            assert.ok(rdelta.equals(read('delta.t')), `deltaFile on ${threads} ranges differs: ${tag}`);
          }

          // Patch both ways: rdiff applies our delta, we apply rdiff's (fd, Buffer basis).
          rdiffOk(['patch', file('old'), file('delta.o'), file('out.r')]);
          assert.ok(read('out.r').equals(pair.next), `rdiff patch of our delta: ${tag}`);
          const basisFd = fs.openSync(file('old'), 'r');
          try {
            await withFds(file('delta.r'), file('out.o'), (i, o) => native.patchFile(basisFd, i, o));
            assert.ok(read('out.o').equals(pair.next), `patchFile of rdiff's delta: ${tag}`);
            const viaFd = await runJob(new native.PatchJob(basisFd), rdelta, MiB, MiB);
            assert.ok(viaFd.equals(pair.next), `PatchJob(fd): ${tag}`);
          } finally {
            fs.closeSync(basisFd);
          }
          assert.ok((await runJob(new native.PatchJob(pair.basis), rdelta, MiB, MiB)).equals(pair.next));
        }
      });
    }
  });

  describe('streaming in odd buffer sizes', function () {
    const basis = mixedBytes(90_000, 31);
    const next = insertAt(deleteRange(basis, 40_000, 1234), 70_000, randomBytes(3000, 32));
    const sizes: Array<[number, number]> = [
      [1, 7],
      [7, 1],
      [7, 100_000],
      [4096, 13],
      [4096, 64 * KiB],
      [MiB, 1],
      [MiB, 4 * MiB],
    ];
    let sigBytes: Buffer;
    let deltaBytes: Buffer;
    let sig: NativeRsyncSignature;

    before(async function () {
      fs.writeFileSync(file('s-old'), basis);
      fs.writeFileSync(file('s-new'), next);
      rdiffOk(['-b', '700', '-S', '12', 'signature', file('s-old'), file('s-sig')]);
      rdiffOk(['delta', file('s-sig'), file('s-new'), file('s-delta')]);
      sigBytes = read('s-sig');
      deltaBytes = read('s-delta');
      sig = await native.loadSignature(sigBytes);
      assert.deepEqual({ ...sig }, { magic: 'rk-blake2', blockLength: 700, strongLength: 12, blockCount: Math.ceil(basis.length / 700) });
    });

    for (const [inChunk, outSize] of sizes) {
      it(`in ${inChunk} B, out ${outSize} B: signature, delta and patch are unchanged`, async function () {
        const s = await runJob(new native.SignatureJob(700, 12, 'rk-blake2'), basis, inChunk, outSize);
        assert.ok(s.equals(sigBytes), 'signature');
        const d = await runJob(new native.DeltaJob(sig), next, inChunk, outSize);
        assert.ok(d.equals(deltaBytes), 'delta');
        const p = await runJob(new native.PatchJob(basis), deltaBytes, inChunk, outSize);
        assert.ok(p.equals(next), 'patch');
      });
    }

    it('durable fd jobs (writeback started as they write) give the same bytes, to files and to FIFOs', async function () {
      const big = crypto.randomBytes(20 * 1024 * 1024 + 123);
      fs.writeFileSync(file('wb-new'), big);
      await withFds(file('wb-new'), file('wb-delta.0'), (i, o) => native.deltaFile(sig, i, o));
      await withFds(file('wb-new'), file('wb-delta.1'), (i, o) => native.deltaFile(sig, i, o, undefined, true));
      assert.ok(read('wb-delta.1').equals(read('wb-delta.0')), 'delta');
      const b = fs.openSync(file('s-old'), 'r');
      try {
        await withFds(file('wb-delta.1'), file('wb-out'), (i, o) => native.patchFile(b, i, o, true));
        assert.ok(read('wb-out').equals(big), 'patch');
        // A FIFO cannot be written back: the flag is ignored, the bytes still arrive.
        const fifo = file('wb-fifo');
        assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
        const cat = spawn('sh', ['-c', `cat '${fifo}' > '${file('wb-piped')}'`], { stdio: 'inherit' });
        const closed = new Promise((resolve) => cat.on('close', resolve));
        const pipeFd = fs.openSync(fifo, 'w');
        const inFd = fs.openSync(file('wb-delta.1'), 'r');
        try {
          await native.patchFile(b, inFd, pipeFd, true);
        } finally {
          fs.closeSync(inFd);
          fs.closeSync(pipeFd);
        }
        await closed;
        assert.ok(read('wb-piped').equals(big), 'patch into a FIFO');
        assert.throws(() => native.patchFile(b, 0, 1, 'yes' as unknown as boolean), /durable must be a boolean/);
      } finally {
        fs.closeSync(b);
      }
    });

    it('whole-file fd jobs equal the streaming jobs, and pipes work as input', async function () {
      await withFds(file('s-old'), file('f-sig'), (i, o) => native.signatureFile(i, o, 700, 12, 'rk-blake2'));
      assert.ok(read('f-sig').equals(sigBytes));
      await withFds(file('s-new'), file('f-delta'), (i, o) => native.deltaFile(sig, i, o));
      assert.ok(read('f-delta').equals(deltaBytes));
      const b = fs.openSync(file('s-old'), 'r');
      try {
        await withFds(file('s-delta'), file('f-out'), (i, o) => native.patchFile(b, i, o));
      } finally {
        fs.closeSync(b);
      }
      assert.ok(read('f-out').equals(next));
      // Through a pipe the size is unknown: rdiff's stdin defaults (B 2048, S 32).
      const r = spawnSync('sh', ['-c', `cat '${file('s-old')}' | rdiff signature - '${file('p-sig.r')}'`]);
      assert.equal(r.status, 0);
      const streamed = await runJob(new native.SignatureJob(0, 0), basis, 5000, 5000);
      assert.ok(streamed.equals(read('p-sig.r')), 'SignatureJob without a size = rdiff on a pipe');
    });

    it('the literal cap defaults to 32768 and can be set to 65533 (librsync >= 2.3.3)', async function () {
      const unrelated = randomBytes(100_000, 77);
      const d232 = await runJob(new native.DeltaJob(sig), unrelated, MiB, MiB);
      const d233 = await runJob(new native.DeltaJob(sig, 65533), unrelated, MiB, MiB);
      assert.deepEqual([...d232.subarray(4, 7)], [0x42, 0x80, 0x00]);
      assert.deepEqual([...d233.subarray(4, 7)], [0x42, 0xff, 0xfd]);
      assert.ok((await runJob(new native.PatchJob(basis), d233, MiB, MiB)).equals(unrelated));
    });

    it('rejects a second iterate() while one is in flight (ERR_BUSY)', async function () {
      const job = new native.DeltaJob(sig);
      const first = job.iterate(next, Buffer.alloc(MiB), true);
      await rejectsWith(() => job.iterate(next, Buffer.alloc(10), true), 'ERR_BUSY');
      await first;
    });
  });

  describe('malformed input', function () {
    // "A..j": 36 bytes = blocks of 16 + 16 + 4 with -b 16.
    const basis = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij');
    const magic = Buffer.from([0x72, 0x73, 0x02, 0x36]);
    const delta = (...bytes: number[]): Buffer => Buffer.concat([magic, Buffer.from(bytes)]);
    const header = (m: number, b: number, s: number): Buffer => {
      const h = Buffer.alloc(12);
      h.writeUInt32BE(m, 0);
      h.writeUInt32BE(b, 4);
      h.writeUInt32BE(s, 8);
      return h;
    };

    async function patchRejects(d: Buffer, code: string, rdiffStatus: number, re?: RegExp): Promise<void> {
      fs.writeFileSync(file('m-old'), basis);
      fs.writeFileSync(file('m-delta'), d);
      assert.equal(rdiff(['patch', file('m-old'), file('m-delta'), file('m-out')]).status, rdiffStatus, 'rdiff agrees');
      await rejectsWith(runJob(new native.PatchJob(basis), d, MiB, MiB), code, re);
      await rejectsWith(runJob(new native.PatchJob(basis), d, 1, 3), code, re);
      const b = fs.openSync(file('m-old'), 'r');
      try {
        await rejectsWith(
          withFds(file('m-delta'), file('m-out'), (i, o) => native.patchFile(b, i, o)),
          code,
          re,
        );
      } finally {
        fs.closeSync(b);
      }
    }

    it('patch accepts rdiff 2.3.2 hand-made deltas (LITERAL_N8, COPY_N8_N8, data after END)', async function () {
      const cases: Array<[Buffer, string]> = [
        [delta(0x44, 0, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69, 0), 'hi'],
        [delta(0x54, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0), 'BCD'],
        [delta(0x01, 0x41, 0x00, 0x67, 0x61, 0x72, 0x62), 'A'],
        [delta(0x45, 0x20, 0x04, 0x02, 0x78, 0x78, 0), 'ghijxx'],
      ];
      for (const [d, want] of cases) {
        assert.equal((await runJob(new native.PatchJob(basis), d, MiB, MiB)).toString(), want);
      }
    });

    it('bad delta magic -> ERR_BAD_MAGIC', async function () {
      await patchRejects(Buffer.from([0x72, 0x73, 0x01, 0x47, 0]), 'ERR_BAD_MAGIC', 104, /magic/);
    });
    it('delta ending before END, or inside magic/command/literal -> ERR_TRUNCATED', async function () {
      await patchRejects(delta(0x01, 0x41), 'ERR_TRUNCATED', 103, /offset 6/);
      await patchRejects(delta(0x45, 0x00), 'ERR_TRUNCATED', 103);
      await patchRejects(delta(0x05, 0x41), 'ERR_TRUNCATED', 103);
      await patchRejects(magic.subarray(0, 2), 'ERR_TRUNCATED', 103);
    });
    it('zero-length COPY or LITERAL, negative position -> ERR_CORRUPT', async function () {
      await patchRejects(delta(0x45, 0x00, 0x00, 0x00), 'ERR_CORRUPT', 106, /length=0 on COPY/);
      await patchRejects(delta(0x41, 0x00, 0x00), 'ERR_CORRUPT', 106, /length=0 on LITERAL/);
      await patchRejects(delta(0x51, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00), 'ERR_CORRUPT', 106, /position/);
    });
    it('COPY beyond the end of the basis -> ERR_CORRUPT', async function () {
      await patchRejects(delta(0x45, 0x30, 0x10, 0x00), 'ERR_CORRUPT', 103, /past the end of the basis/);
      await patchRejects(delta(0x45, 0x20, 0x10, 0x00), 'ERR_CORRUPT', 103, /delta offset 4/);
    });
    it('reserved command bytes -> ERR_CORRUPT', async function () {
      for (const op of [0x55, 0x80, 0xff]) await patchRejects(delta(op, 0), 'ERR_CORRUPT', 106, /reserved command/);
    });
    it('a failed patch job keeps failing', async function () {
      const job = new native.PatchJob(basis);
      await rejectsWith(job.iterate(delta(0x55), Buffer.alloc(10), true), 'ERR_CORRUPT');
      await rejectsWith(job.iterate(Buffer.alloc(0), Buffer.alloc(10), true), 'ERR_CORRUPT');
    });

    it('bad signatures: magic, header fields, truncation', async function () {
      fs.writeFileSync(file('m-new'), basis);
      const cases: Array<[Buffer, string, number]> = [
        [header(0x72730138, 16, 8), 'ERR_BAD_MAGIC', 104],
        [header(0x72730236, 16, 8), 'ERR_BAD_MAGIC', 104],
        [header(0x72730136, 0, 8), 'ERR_CORRUPT', 106],
        [header(0x72730136, 16, 33), 'ERR_CORRUPT', 106],
        [header(0x72730136, 16, 20), 'ERR_PARAM', 108],
        [header(0x72730147, 16, 8).subarray(0, 4), 'ERR_TRUNCATED', 103],
        [Buffer.concat([header(0x72730147, 16, 8), Buffer.alloc(12 + 5)]), 'ERR_TRUNCATED', 103],
      ];
      for (const [s, code, status] of cases) {
        fs.writeFileSync(file('m-sig'), s);
        assert.equal(rdiff(['delta', file('m-sig'), file('m-new'), file('m-delta')]).status, status, `rdiff on ${s.toString('hex')}`);
        await rejectsWith(native.loadSignature(s), code);
      }
      await rejectsWith(
        native.loadSignature(Buffer.concat([header(0x72730147, 16, 8), Buffer.alloc(17)])),
        'ERR_TRUNCATED',
        /offset 29 inside the block record at offset 24/,
      );
      // A stored strong length of 0 reads as the magic's maximum, as in librsync.
      assert.equal((await native.loadSignature(header(0x72730146, 16, 0))).strongLength, 16);
    });

    it('bad parameters -> ERR_PARAM; bad fds -> ERR_IO; foreign objects -> TypeError', async function () {
      await rejectsWith(() => new native.SignatureJob(0, 17, 'rk-md4'), 'ERR_PARAM', /strong sum length 17/);
      await rejectsWith(() => new native.SignatureJob(0, 33, 'rk-blake2'), 'ERR_PARAM');
      await rejectsWith(() => new native.SignatureJob(2 ** 30 + 1, 0, 'rk-blake2'), 'ERR_PARAM');
      await rejectsWith(() => new native.SignatureJob(16, 8, 'xx-md5' as RsyncMagic), 'ERR_PARAM', /magic/);
      assert.throws(() => new native.DeltaJob({ magic: 'rk-blake2', blockLength: 1, strongLength: 1, blockCount: 0 }), TypeError);
      const out = fs.openSync(file('m-out'), 'w');
      const fd = fs.openSync(file('m-new'), 'r');
      fs.closeSync(fd);
      try {
        await rejectsWith(native.signatureFile(fd, out, 16, 8, 'rk-blake2'), 'ERR_IO', /Bad file descriptor/);
        const sig = await native.loadSignature(header(0x72730147, 16, 8));
        await rejectsWith(native.deltaFile(sig, fd, out), 'ERR_IO', /read/);
        await rejectsWith(() => native.deltaFile(sig, out, out, undefined, false, 0), 'ERR_PARAM', /threads/);
        await rejectsWith(native.patchFile(fd, out, out), 'ERR_IO', /basis/);
      } finally {
        fs.closeSync(out);
      }
    });
  });
});
