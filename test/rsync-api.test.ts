// The rsync library API (src/rsync) against /usr/bin/rdiff 2.3.2: every form (Buffer, path,
// file to file, stream) must write rdiff's exact bytes, patches must rebuild the new file,
// streams must not depend on chunking and must honour backpressure, bad options and
// corrupt inputs must fail with a named option/input and a stable code, and a big delta
// must leave the event loop responsive.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import {
  signature,
  signatureToFile,
  createSignatureStream,
  loadSignature,
  delta,
  deltaToFile,
  createDeltaStream,
  patch,
  patchToFile,
  createPatchStream,
  RsyncError,
  type SignatureOptions,
} from '../src/rsync/index.js';
import { edit, rdiff } from './helpers/rdiff-fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// ---------------------------------------------------------------- fixtures

/** Deterministic bytes (xorshift32), so failures reproduce. */
function prng(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Text-like, repetitive data: many identical blocks, weak-sum collisions, long matches. */
function textish(n: number, seed: number): Buffer {
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const line = `${(i * 2654435761 + seed) % 97} permafrost line ${i % 50} ${'x'.repeat(i % 13)}\n`;
    lines.push(line);
    len += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

interface Pair {
  name: string;
  basis: Buffer;
  next: Buffer;
}

function pairs(): Pair[] {
  const k100 = prng(100 * KiB, 1);
  const mib8 = Buffer.concat([prng(5 * MiB, 2), textish(3 * MiB, 3)]);
  return [
    { name: 'empty -> empty', basis: Buffer.alloc(0), next: Buffer.alloc(0) },
    { name: 'empty -> 100 KiB (literal-only delta)', basis: Buffer.alloc(0), next: k100 },
    { name: '1 B -> 1 B', basis: Buffer.from([0x41]), next: Buffer.from([0x42]) },
    { name: '1 B -> same', basis: Buffer.from([0x41]), next: Buffer.from([0x41]) },
    {
      name: '100 KiB with edits',
      basis: k100,
      next: edit(k100, [
        [100, 0, Buffer.from('inserted')],
        [30_000, 5, Buffer.alloc(0)],
        [60_001, 300, prng(700, 9)],
        [99_000, 1000, Buffer.from('tail')],
      ]),
    },
    { name: '100 KiB -> unrelated', basis: k100, next: prng(100 * KiB, 77) },
    {
      name: '8 MiB with inserted and deleted ranges',
      basis: mib8,
      next: edit(mib8, [
        [0, 0, prng(3000, 10)],
        [1 * MiB + 17, 64 * KiB, Buffer.alloc(0)],
        [3 * MiB, 0, prng(100 * KiB, 11)],
        [5 * MiB + 5, 2 * MiB, textish(50 * KiB, 12)],
        [8 * MiB - 100, 100, Buffer.from('new end')],
      ]),
    },
  ];
}

const OPTION_SETS: Array<{ name: string; opts: SignatureOptions | undefined; argv: string[] }> = [
  { name: 'defaults', opts: undefined, argv: [] },
  { name: 'blockLength 512, strongLength 8', opts: { blockLength: 512, strongLength: 8 }, argv: ['-b', '512', '-S', '8'] },
  { name: "hash 'md4'", opts: { hash: 'md4' }, argv: ['-H', 'md4'] },
  { name: "rollsum 'rollsum'", opts: { rollsum: 'rollsum' }, argv: ['-R', 'rollsum'] },
  { name: 'strongLength -1 (minimum), rs-blake2', opts: { strongLength: -1, rollsum: 'rollsum' }, argv: ['-S', '-1', '-R', 'rollsum'] },
];

let dir: string;
let seq = 0;
function tmp(name: string): string {
  return path.join(dir, `${seq++}-${name}`);
}
function write(name: string, data: Buffer): string {
  const p = tmp(name);
  fs.writeFileSync(p, data);
  return p;
}

/** rdiff's signature and delta for a pair, by files (so the size is known, as for Buffers). */
function reference(
  p: Pair,
  argv: string[],
): { basisPath: string; nextPath: string; sigPath: string; deltaPath: string; sig: Buffer; delta: Buffer } {
  const basisPath = write('basis', p.basis);
  const nextPath = write('next', p.next);
  const sigPath = tmp('ref.sig');
  const deltaPath = tmp('ref.delta');
  rdiff([...argv, 'signature', basisPath, sigPath]);
  rdiff(['delta', sigPath, nextPath, deltaPath]);
  return { basisPath, nextPath, sigPath, deltaPath, sig: fs.readFileSync(sigPath), delta: fs.readFileSync(deltaPath) };
}

// ---------------------------------------------------------------- stream helpers

function chunked(data: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    })(),
    { objectMode: false, highWaterMark: 16 * KiB },
  );
}

async function runStream(t: Transform, data: Buffer, chunkSize: number): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    chunked(data, chunkSize),
    t,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(Buffer.from(chunk));
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(`${what}: ${actual.length} bytes vs rdiff's ${expected.length}, first difference at byte ${i}`);
}

/**
 * A fresh FIFO that a child `cat` fills with `bytes` (from a file, so a spawnSync reader
 * does not stall it); `stop` ends the writer if nobody read it all.
 */
function feedFifo(bytes: Buffer): { fifo: string; stop: () => Promise<void> } {
  const source = write('fifo-source', bytes);
  const fifo = tmp('basis.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const writer = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', source, fifo], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
  return {
    fifo,
    stop: async () => {
      writer.kill();
      await exited;
    },
  };
}

/** Runs `work` with os.tmpdir() answering `dir` (it reads $TMPDIR on every call). */
async function withTmpdir<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

// ---------------------------------------------------------------- tests

describe('rsync API (src/rsync) vs rdiff 2.3.2', function () {
  before(function () {
    const r = spawnSync('rdiff', ['--version']);
    if (r.status !== 0) throw new Error('rdiff (librsync 2.3.2) is needed: apt-get install rdiff');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rsync-api-'));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const set of OPTION_SETS) {
    describe(`options: ${set.name}`, function () {
      for (const p of pairs()) {
        it(`${p.name}: Buffer, path and file-to-file forms write rdiff's bytes and patch back`, async function () {
          const ref = reference(p, set.argv);

          // signature
          assertSameBytes(await signature(p.basis, set.opts), ref.sig, 'signature(Buffer)');
          assertSameBytes(await signature(ref.basisPath, set.opts), ref.sig, 'signature(path)');
          const sigOut = tmp('sig');
          const st = await signatureToFile(ref.basisPath, sigOut, set.opts);
          assertSameBytes(fs.readFileSync(sigOut), ref.sig, 'signatureToFile');
          assert.deepEqual(st, { inBytes: p.basis.length, outBytes: ref.sig.length });

          // delta (against rdiff's own signature, and a loaded one)
          assertSameBytes(await delta(ref.sig, p.next), ref.delta, 'delta(Buffer, Buffer)');
          assertSameBytes(await delta(ref.sigPath, ref.nextPath), ref.delta, 'delta(path, path)');
          assertSameBytes(await delta(await loadSignature(ref.sig), ref.nextPath), ref.delta, 'delta(loaded, path)');
          const deltaOut = tmp('delta');
          const dt = await deltaToFile(ref.sigPath, ref.nextPath, deltaOut);
          assertSameBytes(fs.readFileSync(deltaOut), ref.delta, 'deltaToFile');
          assert.deepEqual(dt, { inBytes: p.next.length, outBytes: ref.delta.length });

          // patch: every combination of Buffer and path, and file to file
          assertSameBytes(await patch(p.basis, ref.delta), p.next, 'patch(Buffer, Buffer)');
          assertSameBytes(await patch(ref.basisPath, ref.delta), p.next, 'patch(path, Buffer)');
          assertSameBytes(await patch(p.basis, ref.deltaPath), p.next, 'patch(Buffer, path)');
          assertSameBytes(await patch(ref.basisPath, ref.deltaPath), p.next, 'patch(path, path)');
          const newOut = tmp('new');
          const pt = await patchToFile(ref.basisPath, ref.deltaPath, newOut);
          assertSameBytes(fs.readFileSync(newOut), p.next, 'patchToFile');
          assert.deepEqual(pt, { inBytes: ref.delta.length, outBytes: p.next.length });

          // our own round trip, no rdiff bytes involved
          const ours = await patch(p.basis, await delta(await signature(p.basis, set.opts), p.next));
          assertSameBytes(ours, p.next, 'signature -> delta -> patch round trip');
        });
      }
    });
  }

  describe('multi-threaded signatures of big regular files', function () {
    // Files of 32 MiB and more are signed in ranges on several threads; the ranges are cut on
    // block boundaries, so a block length that does not divide the size tests the seams.
    const big = prng(48 * MiB + 777, 31);
    const sets: Array<{ argv: string[]; opts: SignatureOptions }> = [
      { argv: [], opts: {} },
      { argv: ['-b', '1000', '-S', '8'], opts: { blockLength: 1000, strongLength: 8 } },
      { argv: ['-H', 'md4', '-R', 'rollsum', '-b', '4096'], opts: { hash: 'md4', rollsum: 'rollsum', blockLength: 4096 } },
    ];
    for (const { argv, opts } of sets) {
      it(`signatureToFile and signature(path) with [${argv.join(' ')}] write rdiff's bytes`, async function () {
        const ref = reference({ name: 'big', basis: big, next: big.subarray(0, 1000) }, argv);
        const out = tmp('mt.sig');
        await signatureToFile(ref.basisPath, out, opts);
        assertSameBytes(fs.readFileSync(out), ref.sig, 'signatureToFile');
        assertSameBytes(await signature(ref.basisPath, opts), ref.sig, 'signature(path)');
      });
    }
  });

  describe('stream forms', function () {
    const small = textish(12 * KiB, 5);
    const smallNext = edit(small, [
      [10, 3, Buffer.from('abc123')],
      [9000, 0, prng(300, 6)],
    ]);
    const [, , , , k100, , mib8] = pairs();
    const cases: Array<{ name: string; basis: Buffer; next: Buffer; chunks: number[] }> = [
      { name: '12 KiB text with edits', basis: small, next: smallNext, chunks: [1, 7, 65536] },
      { name: k100.name, basis: k100.basis, next: k100.next, chunks: [7, 65536] },
      { name: mib8.name, basis: mib8.basis, next: mib8.next, chunks: [65536, 1_000_003] },
    ];
    for (const c of cases) {
      for (const chunk of c.chunks) {
        it(`${c.name}, written in ${chunk}-byte chunks: same bytes as rdiff`, async function () {
          const ref = reference({ name: c.name, basis: c.basis, next: c.next }, []);
          // With `size` the defaults are those of a file of that size ...
          assertSameBytes(
            await runStream(createSignatureStream({ size: c.basis.length }), c.basis, chunk),
            ref.sig,
            'signature stream (size given)',
          );
          // ... without, those of rdiff reading a pipe (2048-byte blocks).
          const pipeSig = rdiff(['signature'], c.basis);
          assertSameBytes(await runStream(createSignatureStream(), c.basis, chunk), pipeSig, 'signature stream (size unknown)');
          assertSameBytes(await runStream(createDeltaStream(ref.sig), c.next, chunk), ref.delta, 'delta stream (Buffer signature)');
          assertSameBytes(await runStream(createDeltaStream(ref.sigPath), c.next, chunk), ref.delta, 'delta stream (signature path)');
          assertSameBytes(await runStream(createPatchStream(c.basis), ref.delta, chunk), c.next, 'patch stream (Buffer basis)');
          assertSameBytes(await runStream(createPatchStream(ref.basisPath), ref.delta, chunk), c.next, 'patch stream (basis path)');
        });
      }
    }

    it("option sets give rdiff's bytes through the signature stream too", async function () {
      for (const set of OPTION_SETS) {
        const ref = reference(k100, set.argv);
        const got = await runStream(createSignatureStream({ ...set.opts, size: k100.basis.length }), k100.basis, 4099);
        assertSameBytes(got, ref.sig, `signature stream, ${set.name}`);
      }
    });

    it('bytes after the END command of a delta are ignored, as rdiff does', async function () {
      const ref = reference(k100, []);
      const padded = Buffer.concat([ref.delta, Buffer.from('trailing garbage')]);
      assertSameBytes(await runStream(createPatchStream(k100.basis), padded, 1000), k100.next, 'patch stream');
      assertSameBytes(await patch(k100.basis, padded), k100.next, 'patch(Buffer, Buffer)');
    });

    it('honours backpressure: a slow consumer holds back both the output and the input', async function () {
      // An unrelated new file makes a delta as big as itself (literals), so the patch stream
      // turns 4 MiB in into 4 MiB out; the consumer takes one chunk per 2 ms.
      const basis = prng(256 * KiB, 20);
      const next = prng(4 * MiB, 21);
      const d = await delta(await signature(basis), next);
      assert.ok(d.length > next.length);
      let pulled = 0;
      let consumed = 0;
      let maxAhead = 0;
      let maxBuffered = 0;
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < d.length; i += 16 * KiB) {
            const c = d.subarray(i, i + 16 * KiB);
            pulled += c.length;
            yield c;
          }
        })(),
      );
      const t = createPatchStream(basis);
      const out: Buffer[] = [];
      const slow = new Writable({
        highWaterMark: 16 * KiB,
        write(chunk: Buffer, _e, cb) {
          out.push(Buffer.from(chunk));
          consumed += chunk.length;
          maxAhead = Math.max(maxAhead, pulled - consumed);
          maxBuffered = Math.max(maxBuffered, t.readableLength);
          setTimeout(cb, 2);
        },
      });
      await pipeline(source, t, slow);
      assertSameBytes(Buffer.concat(out), next, 'patch through a slow consumer');
      // Without backpressure the whole 4 MiB delta would be pulled at once.
      assert.ok(maxAhead < 1 * MiB, `input ran ${maxAhead} bytes ahead of the consumer`);
      assert.ok(maxBuffered <= 16 * KiB + 64 * KiB, `${maxBuffered} bytes waited in the transform's readable buffer`);
    });

    it('a destroyed stream with a path basis closes its file', async function () {
      const basisPath = write('basis', prng(64 * KiB, 30));
      const before = fs.readdirSync('/proc/self/fd').length;
      const t = createPatchStream(basisPath);
      t.write(Buffer.from([0x72, 0x73, 0x02, 0x36]));
      await new Promise((r) => setTimeout(r, 20));
      t.destroy();
      await new Promise((r) => t.once('close', r));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(fs.readdirSync('/proc/self/fd').length, before);
    });
  });

  describe('option and argument validation', function () {
    const cases: Array<{ opts: unknown; name: RegExp; type: typeof TypeError | typeof RangeError }> = [
      { opts: { blockLength: -1 }, name: /for blockLength but received -1 of type number/, type: RangeError },
      { opts: { blockLength: 1.5 }, name: /for blockLength but received 1\.5/, type: RangeError },
      { opts: { blockLength: 2 ** 30 + 1 }, name: /between 1 and 1073741824 .*for blockLength/, type: RangeError },
      { opts: { blockLength: '512' }, name: /for blockLength but received '512' of type string/, type: TypeError },
      { opts: { strongLength: 33 }, name: /between 1 and 32 .*for strongLength \(with hash 'blake2'\) but received 33/, type: RangeError },
      {
        opts: { strongLength: 17, hash: 'md4' },
        name: /between 1 and 16 .*for strongLength \(with hash 'md4'\) but received 17/,
        type: RangeError,
      },
      { opts: { strongLength: -2 }, name: /for strongLength .* but received -2/, type: RangeError },
      { opts: { hash: 'sha1' }, name: /Expected one of 'blake2', 'md4' for hash but received 'sha1'/, type: RangeError },
      { opts: { rollsum: 'adler32' }, name: /Expected one of 'rabinkarp', 'rollsum' for rollsum but received 'adler32'/, type: RangeError },
      { opts: { rollsum: 1 }, name: /for rollsum but received 1 of type number/, type: TypeError },
      {
        opts: { blockSize: 512 },
        name: /Expected one of blockLength, strongLength, hash, rollsum(, overwrite|, size)? for options key but received 'blockSize'/,
        type: RangeError,
      },
      { opts: 'fast', name: /Expected an object for options but received 'fast'/, type: TypeError },
    ];
    for (const c of cases) {
      it(`rejects ${JSON.stringify(c.opts)} naming the option (promise, stream and file forms)`, async function () {
        const check = (err: unknown) => {
          assert.ok(err instanceof c.type, `${String(err)} is not a ${c.type.name}`);
          assert.equal((err as { code?: string }).code, 'ERR_PARAM');
          assert.match(err.message, c.name);
          return true;
        };
        await assert.rejects(signature(Buffer.from('abc'), c.opts as SignatureOptions), check);
        await assert.rejects(signatureToFile('/nonexistent/basis', tmp('x'), c.opts as SignatureOptions), check);
        assert.throws(() => createSignatureStream(c.opts as SignatureOptions), check);
      });
    }

    it('rejects inputs that are neither a Buffer nor a path, naming the argument', async function () {
      await assert.rejects(
        signature(42 as unknown as Buffer),
        (e: Error & { code?: string }) =>
          e instanceof TypeError && e.code === 'ERR_PARAM' && /for basis but received 42 of type number/.test(e.message),
      );
      await assert.rejects(delta(Buffer.alloc(12), null as unknown as Buffer), /for newFile but received null/);
      await assert.rejects(delta({} as unknown as Buffer, Buffer.alloc(1)), /for signature but received an object of type Object/);
      await assert.rejects(patch('', Buffer.alloc(1)), /for basis but received '' of type string/);
      assert.throws(() => createPatchStream(undefined as unknown as Buffer), /for basis but received undefined/);
      await assert.rejects(patchToFile('a', 'b', 'c', { overwrite: 'yes' } as never), /for overwrite but received 'yes'/);
    });

    it('stream size must be a non-negative integer', function () {
      assert.throws(() => createSignatureStream({ size: -5 }), /for size but received -5/);
    });
  });

  describe('errors from inputs', function () {
    let basis: Buffer;
    let good: Buffer;
    before(async function () {
      basis = prng(50 * KiB, 40);
      good = await delta(await signature(basis), edit(basis, [[1000, 10, Buffer.from('x')]]));
    });

    const corrupt: Array<{ name: string; bytes: () => Buffer; codes: string[] }> = [
      { name: 'not a delta (bad magic)', bytes: () => Buffer.from('this is not a delta file'), codes: ['ERR_BAD_MAGIC'] },
      {
        name: 'a signature given as the delta',
        bytes: () => Buffer.from([0x72, 0x73, 0x01, 0x47, 0, 0, 1, 0, 0, 0, 0, 32]),
        codes: ['ERR_BAD_MAGIC'],
      },
      { name: 'reserved command byte', bytes: () => Buffer.from([0x72, 0x73, 0x02, 0x36, 0x99, 0x00]), codes: ['ERR_CORRUPT'] },
      { name: 'zero-length COPY', bytes: () => Buffer.from([0x72, 0x73, 0x02, 0x36, 0x45, 0x00, 0x00, 0x00]), codes: ['ERR_CORRUPT'] },
      {
        name: 'COPY past the end of the basis',
        bytes: () => Buffer.from([0x72, 0x73, 0x02, 0x36, 0x4f, 0, 0, 0, 0, 0, 2, 0, 0, 0]),
        codes: ['ERR_TRUNCATED', 'ERR_CORRUPT'],
      },
      { name: 'truncated (no END)', bytes: () => good.subarray(0, good.length - 1), codes: ['ERR_TRUNCATED'] },
      {
        name: 'flipped command byte',
        bytes: () => {
          const b = Buffer.from(good);
          b[4] = 0xff;
          return b;
        },
        codes: ['ERR_CORRUPT'],
      },
    ];
    for (const c of corrupt) {
      it(`a corrupt delta (${c.name}) rejects with ${c.codes.join(' or ')} in every form`, async function () {
        const bytes = c.bytes();
        const deltaPath = write('bad.delta', bytes);
        const basisPath = write('basis', basis);
        const check = (label: string | RegExp) => (err: unknown) => {
          assert.ok(err instanceof RsyncError, `not an RsyncError: ${String(err)}`);
          assert.ok(c.codes.includes(err.code), `code ${err.code}, expected ${c.codes.join(' or ')}: ${err.message}`);
          assert.match(err.message, typeof label === 'string' ? new RegExp(label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) : label);
          assert.match(err.stack ?? '', /rsync-api\.test/, 'the stack shows the caller');
          return true;
        };
        await assert.rejects(patch(basis, bytes), check(`delta (Buffer of ${bytes.length} bytes)`));
        await assert.rejects(patch(basisPath, deltaPath), check(deltaPath));
        await assert.rejects(patch(basis, deltaPath), check(deltaPath));
        const outPath = tmp('out');
        await assert.rejects(patchToFile(basisPath, deltaPath, outPath), check(deltaPath));
        assert.equal(fs.existsSync(outPath), false, 'no output left behind');
        await assert.rejects(runStream(createPatchStream(basis), bytes, 5), check(/patch stream on basis/));
      });
    }

    it('a corrupt or truncated signature rejects with its code, naming the input', async function () {
      const sig = await signature(basis, { blockLength: 1024, strongLength: 8 });
      const cases: Array<[Buffer, string]> = [
        [Buffer.from('garbage, not a signature'), 'ERR_BAD_MAGIC'],
        [sig.subarray(0, sig.length - 3), 'ERR_TRUNCATED'],
        [sig.subarray(0, 7), 'ERR_TRUNCATED'],
        [Buffer.from([0x72, 0x73, 0x01, 0x46, 0, 0, 1, 0, 0, 0, 0, 20]), 'ERR_PARAM'], // MD4 holds 16 bytes, not 20
        [Buffer.from([0x72, 0x73, 0x01, 0x47, 0, 0, 0, 0, 0, 0, 0, 8]), 'ERR_CORRUPT'], // block length 0
      ];
      for (const [bytes, code] of cases) {
        const sigPath = write('bad.sig', bytes);
        for (const attempt of [() => delta(bytes, basis), () => delta(sigPath, basis), () => loadSignature(sigPath)]) {
          await assert.rejects(attempt(), (err: RsyncError) => {
            assert.ok(err instanceof RsyncError);
            assert.equal(err.code, code, err.message);
            assert.match(err.message, /signature/);
            return true;
          });
        }
        await assert.rejects(runStream(createDeltaStream(bytes), basis, 1000), (err: RsyncError) => err.code === code);
      }
    });

    it('missing files reject with ENOENT naming the file; nothing is written', async function () {
      const missing = path.join(dir, 'does-not-exist');
      for (const attempt of [
        () => signature(missing),
        () => delta(missing, Buffer.alloc(1)),
        () => delta(Buffer.from([0x72, 0x73, 0x01, 0x47, 0, 0, 1, 0, 0, 0, 0, 32]), missing),
        () => patch(missing, Buffer.alloc(1)),
        () => patch(Buffer.alloc(1), missing),
        () => signatureToFile(missing, tmp('sig')),
      ]) {
        await assert.rejects(
          attempt(),
          (err: RsyncError) => err instanceof RsyncError && err.code === 'ENOENT' && err.message.includes(missing) && err.path === missing,
        );
      }
    });

    it('file-to-file forms write atomically and refuse to replace with overwrite: false', async function () {
      const basisPath = write('basis', basis);
      const sigPath = tmp('sig');
      fs.writeFileSync(sigPath, 'old contents');
      await assert.rejects(
        signatureToFile(basisPath, sigPath, { overwrite: false }),
        (err: RsyncError) => err.code === 'EEXIST' && err.message.includes(sigPath),
      );
      assert.equal(fs.readFileSync(sigPath, 'utf8'), 'old contents');
      await signatureToFile(basisPath, sigPath);
      assertSameBytes(fs.readFileSync(sigPath), await signature(basis), 'replaced signature');
      // Patching a file onto itself works: the output is renamed over the basis at the end.
      const next = edit(basis, [[5, 5, Buffer.from('xyz')]]);
      const deltaPath = write('delta', await delta(await signature(basis), next));
      await patchToFile(basisPath, deltaPath, basisPath);
      assertSameBytes(fs.readFileSync(basisPath), next, 'patched in place');
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temp files left',
      );
    });
  });

  describe('a basis that is a device or a FIFO (as rdiff, and a FIFO even with COPYs)', function () {
    const basis = prng(200 * KiB, 50);
    const next = edit(basis, [
      [10, 0, Buffer.from('new bytes')],
      [150_000, 20_000, prng(3000, 51)],
    ]);
    let literalDelta: Buffer; // against an empty basis: never reads the basis
    let copyDelta: Buffer;
    before(async function () {
      literalDelta = rdiff(['delta', '-', write('next', next)], rdiff(['signature', '/dev/null']));
      copyDelta = await delta(await signature(basis), next);
    });
    /** rdiff patch BASIS DELTA: its exit status and output. */
    function rdiffPatch(basisPath: string, d: Buffer): { status: number | null; out: Buffer } {
      const r = spawnSync('rdiff', ['patch', basisPath, write('delta', d)], { maxBuffer: 1 << 30 });
      return { status: r.status, out: r.stdout };
    }
    /** Every form of patch against the basis path `basisPath`, which `fresh()` (re)makes. */
    async function allForms(fresh: () => { path: string; stop(): Promise<void> }, d: Buffer): Promise<Buffer[]> {
      const deltaPath = write('delta', d);
      const outs: Buffer[] = [];
      const forms: Array<(b: string) => Promise<Buffer>> = [
        (b) => patch(b, d),
        (b) => patch(b, deltaPath),
        async (b) => {
          const out = tmp('out');
          await patchToFile(b, deltaPath, out);
          return fs.readFileSync(out);
        },
        (b) => runStream(createPatchStream(b), d, 4096),
      ];
      for (const form of forms) {
        const b = fresh();
        try {
          outs.push(await form(b.path));
        } finally {
          await b.stop();
        }
      }
      return outs;
    }
    const device = (p: string) => () => ({ path: p, stop: async () => undefined });
    const fifoOf = (bytes: Buffer) => () => {
      const f = feedFifo(bytes);
      return { path: f.fifo, stop: f.stop };
    };

    it("/dev/null with a literal-only delta: rdiff's bytes in every form", async function () {
      const theirs = rdiffPatch('/dev/null', literalDelta);
      assert.equal(theirs.status, 0);
      for (const ours of await allForms(device('/dev/null'), literalDelta)) assertSameBytes(ours, theirs.out, 'patch /dev/null');
    });

    it('/dev/null with a delta that COPYs: rdiff fails, ours rejects with ERR_CORRUPT naming the basis and the COPY', async function () {
      assert.notEqual(rdiffPatch('/dev/null', copyDelta).status, 0, 'rdiff fails too');
      const deltaPath = write('delta', copyDelta);
      const check = (err: unknown) => {
        assert.ok(err instanceof RsyncError, String(err));
        assert.equal(err.code, 'ERR_CORRUPT', err.message);
        assert.match(
          err.message,
          /basis \/dev\/null.*COPY of \d+ bytes at basis offset \d+ at delta offset \d+ reaches past the end of the basis \(nothing to read at basis offset \d+\)/,
        );
        return true;
      };
      await assert.rejects(patch('/dev/null', copyDelta), check);
      await assert.rejects(patch('/dev/null', deltaPath), check);
      const out = tmp('out');
      await assert.rejects(patchToFile('/dev/null', deltaPath, out), check);
      assert.equal(fs.existsSync(out), false, 'no output left behind');
      await assert.rejects(runStream(createPatchStream('/dev/null'), copyDelta, 4096), check);
    });

    it("/dev/zero: COPYs read zeros, rdiff's bytes in every form", async function () {
      const theirs = rdiffPatch('/dev/zero', copyDelta);
      assert.equal(theirs.status, 0);
      assert.ok(theirs.out.includes(Buffer.alloc(4096)), 'rdiff copied zeros');
      for (const ours of await allForms(device('/dev/zero'), copyDelta)) assertSameBytes(ours, theirs.out, 'patch /dev/zero');
    });

    it("a FIFO: rdiff's bytes with a literal-only delta; with COPYs (where rdiff fails) the new file, in every form", async function () {
      const f0 = feedFifo(basis);
      const theirs = rdiffPatch(f0.fifo, literalDelta);
      await f0.stop();
      assert.equal(theirs.status, 0);
      for (const ours of await allForms(fifoOf(basis), literalDelta)) assertSameBytes(ours, theirs.out, 'patch FIFO, literal-only');
      const f = feedFifo(basis);
      try {
        assert.equal(rdiffPatch(f.fifo, copyDelta).status, 100, 'rdiff cannot seek in a FIFO');
      } finally {
        await f.stop();
      }
      for (const ours of await allForms(fifoOf(basis), copyDelta)) assertSameBytes(ours, next, 'patch FIFO with COPYs');
    });

    it('the copy of a FIFO is made in $TMPDIR and nothing is left there', async function () {
      const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rsync-tmpdir-'));
      try {
        const outs = await withTmpdir(tmpdir, () => allForms(fifoOf(basis), copyDelta));
        for (const ours of outs) assertSameBytes(ours, next, 'patch FIFO');
        assert.deepEqual(fs.readdirSync(tmpdir), []);
        // And the copy was made there: without the directory, it cannot be made.
        const f = feedFifo(basis);
        try {
          await assert.rejects(
            withTmpdir(path.join(tmpdir, 'gone'), () => patch(f.fifo, copyDelta)),
            (err: RsyncError) => {
              assert.equal(err.code, 'ENOENT', err.message);
              assert.ok(
                err.message.includes(`cannot copy basis ${f.fifo} into a temporary file in ${path.join(tmpdir, 'gone')}`),
                err.message,
              );
              return true;
            },
          );
        } finally {
          await f.stop();
        }
      } finally {
        fs.rmSync(tmpdir, { recursive: true, force: true });
      }
    });
  });

  describe('event loop stays responsive (acceptance)', function () {
    it('a 256 MiB delta keeps the p99 lag of a 1 ms timer under 20 ms (stream, path and Buffer forms)', async function () {
      this.timeout(120_000);
      const size = 256 * MiB;
      const basisPath = tmp('big.basis');
      const nextPath = tmp('big.next');
      // Random basis; the new file has 64 random 4 KiB blocks overwritten and 1 MiB inserted.
      const big = Buffer.allocUnsafe(size);
      randomFillSync(big);
      fs.writeFileSync(basisPath, big);
      for (let i = 0; i < 64; i++) randomFillSync(big, ((i * 104_729) % (size / 4096)) * 4096, 4096);
      const next = Buffer.concat([big.subarray(0, size / 2), prng(MiB, 50), big.subarray(size / 2)]);
      fs.writeFileSync(nextPath, next);
      const sig = await loadSignature(await signature(basisPath));

      const lag = monitorEventLoopDelay({ resolution: 1 });
      let ticks = 0;
      const timer = setInterval(() => {
        ticks++;
      }, 1);
      const started = Date.now();
      lag.enable();
      const streamOut = tmp('big.stream.delta');
      await pipeline(fs.createReadStream(nextPath, { highWaterMark: MiB }), createDeltaStream(sig), fs.createWriteStream(streamOut));
      const fileOut = tmp('big.file.delta');
      await deltaToFile(sig, nextPath, fileOut);
      const inMemory = await delta(sig, next);
      lag.disable();
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      const p99 = lag.percentile(99) / 1e6;
      const max = lag.max / 1e6;
      console.log(
        `      3 x 256 MiB deltas in ${seconds.toFixed(1)} s; loop lag p99 ${p99.toFixed(2)} ms, max ${max.toFixed(1)} ms; ${ticks} ticks of a 1 ms interval`,
      );
      assert.ok(p99 < 20, `p99 event-loop lag ${p99.toFixed(1)} ms`);

      const d = fs.readFileSync(fileOut);
      assertSameBytes(fs.readFileSync(streamOut), d, 'stream vs file delta');
      assertSameBytes(inMemory, d, 'Buffer vs file delta');
      assert.ok(d.length < 4 * MiB, `delta of ${d.length} bytes for 1.25 MiB of changes`);
      const rebuilt = tmp('big.rebuilt');
      await patchToFile(basisPath, fileOut, rebuilt);
      assert.ok(fs.readFileSync(rebuilt).equals(next), 'patch rebuilds the 257 MiB file');
      for (const f of [basisPath, nextPath, streamOut, fileOut, rebuilt]) fs.rmSync(f);
    });
  });
});
