// The diff library's fd forms (src/rsync/fds.ts: signatureToFd, deltaToFd, patchToFd) against
// /usr/bin/rdiff 2.3.2: rdiff's exact bytes, output at the fd's offset, no fd closed, a delta
// that arrives in chunks of any size, and failures that keep their codes (the delta stream's
// own error passes as it is).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deltaToFd, loadSignature, patchToFd, RsyncError, signatureToFd, type SignatureOptions } from '../src/rsync/index.js';
import { edit, prng, rdiff } from './helpers/rdiff-fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function sameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(`${what}: ${actual.length} bytes vs rdiff's ${expected.length}, first difference at byte ${i}`);
}

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('rsync fd forms (signatureToFd, deltaToFd, patchToFd) vs rdiff 2.3.2', function () {
  let dir: string;
  let seq = 0;
  const file = (name: string, data?: Buffer) => {
    const p = path.join(dir, `${seq++}-${name}`);
    if (data) fs.writeFileSync(p, data);
    return p;
  };
  /** Runs `work` with `p` open with `flags`; checks the form left the fd open. */
  async function withFd<T>(p: string, flags: string, work: (fd: number) => Promise<T>): Promise<T> {
    const fd = fs.openSync(p, flags);
    try {
      return await work(fd);
    } finally {
      fs.fstatSync(fd); // throws EBADF if the form closed it
      fs.closeSync(fd);
    }
  }

  const small = prng(100 * KiB, 1);
  const smallNext = edit(small, [
    [100, 0, Buffer.from('inserted')],
    [30_000, 5, Buffer.alloc(0)],
    [60_001, 300, prng(700, 9)],
  ]);
  // 40 MiB: the native side scans a file this big in ranges on several threads.
  const big = prng(40 * MiB, 2);
  const bigNext = edit(big, [
    [5 * MiB, 0, prng(5000, 3)],
    [20 * MiB, 64 * KiB, Buffer.alloc(0)],
    [39 * MiB, 10, Buffer.from('tail edit')],
  ]);
  let paths: { small: string; smallNext: string; big: string; bigNext: string };

  before(function () {
    if (spawnSync('rdiff', ['--version']).status !== 0) throw new Error('rdiff (librsync 2.3.2) is needed: apt-get install rdiff');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rsync-fd-'));
    paths = {
      small: file('small', small),
      smallNext: file('small-next', smallNext),
      big: file('big', big),
      bigNext: file('big-next', bigNext),
    };
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('signatureToFd', function () {
    const sets: Array<[SignatureOptions | undefined, string[]]> = [
      [undefined, []],
      [{ blockLength: 4096, strongLength: -1 }, ['-b', '4096', '-S', '-1']],
      [{ hash: 'md4', rollsum: 'rollsum', blockLength: 512 }, ['-H', 'md4', '-R', 'rollsum', '-b', '512']],
    ];
    for (const [opts, argv] of sets) {
      it(`writes rdiff's bytes with [${argv.join(' ')}] after what outFd holds, small and big (threaded) files`, async function () {
        for (const p of [paths.small, paths.big]) {
          const theirs = rdiff(['signature', ...argv, p]);
          const out = file('sig');
          fs.writeFileSync(out, 'HEAD');
          const result = await withFd(p, 'r', (fd) => withFd(out, 'a', (outFd) => signatureToFd(fd, outFd, opts)));
          assert.deepEqual(result, { inBytes: fs.statSync(p).size, outBytes: theirs.length });
          const written = fs.readFileSync(out);
          assert.equal(written.subarray(0, 4).toString(), 'HEAD');
          sameBytes(written.subarray(4), theirs, `signature of ${path.basename(p)}`);
        }
      });
    }

    it('rejects a bad fd or option with ERR_PARAM, and an fd it cannot read with ERR_IO naming the fd', async function () {
      await assert.rejects(signatureToFd(-1, 1), { name: 'RangeError', code: 'ERR_PARAM', message: /for fd/ });
      await assert.rejects(signatureToFd('3' as unknown as number, 1), { name: 'TypeError', code: 'ERR_PARAM' });
      await assert.rejects(signatureToFd(0, undefined as unknown as number), {
        name: 'TypeError',
        code: 'ERR_PARAM',
        message: /for outFd/,
      });
      await assert.rejects(signatureToFd(0, 1, { blockSize: 4 } as SignatureOptions), { code: 'ERR_PARAM', message: /blockSize/ });
      const out = file('sig');
      await assert.rejects(
        withFd(dir, 'r', (dirFd) => withFd(out, 'w', (outFd) => signatureToFd(dirFd, outFd))),
        (err: unknown) => {
          assert.ok(err instanceof RsyncError, String(err));
          assert.equal(err.code, 'ERR_IO');
          assert.match(err.message, /^signature of basis fd \d+ into fd \d+: .*Is a directory/);
          return true;
        },
      );
    });
  });

  describe('deltaToFd', function () {
    for (const [name, basis, next] of [
      ['small', 'small', 'smallNext'],
      ['big', 'big', 'bigNext'],
    ] as const) {
      it(`${name}: writes rdiff's bytes after what outFd already holds, with threads by default, 1 and 3`, async function () {
        const sigFile = file('sig', rdiff(['signature', '-b', '4096', paths[basis]]));
        const theirs = rdiff(['delta', sigFile, paths[next]]);
        const sig = await loadSignature(sigFile);
        for (const opts of [undefined, { threads: 1 }, { threads: 3 }]) {
          const out = file('delta');
          fs.writeFileSync(out, 'HEAD');
          const result = await withFd(paths[next], 'r', (newFd) => withFd(out, 'a', (outFd) => deltaToFd(sig, newFd, outFd, opts)));
          assert.deepEqual(result, { inBytes: fs.statSync(paths[next]).size, outBytes: theirs.length });
          const written = fs.readFileSync(out);
          assert.equal(written.subarray(0, 4).toString(), 'HEAD');
          sameBytes(written.subarray(4), theirs, `delta (${JSON.stringify(opts)})`);
        }
      });
    }

    it('rejects bad threads, fds and signatures naming them', async function () {
      const sig = await loadSignature(rdiff(['signature', paths.small]));
      await assert.rejects(deltaToFd(sig, 0, 1, { threads: 0 }), { name: 'RangeError', code: 'ERR_PARAM', message: /for threads/ });
      await assert.rejects(deltaToFd(sig, 0, 1, { thread: 2 } as never), { code: 'ERR_PARAM' });
      await assert.rejects(deltaToFd(sig, 1.5, 1), { code: 'ERR_PARAM', message: /for newFd/ });
      await assert.rejects(deltaToFd(sig, 0, null as unknown as number), { code: 'ERR_PARAM', message: /for outFd/ });
      await assert.rejects(deltaToFd(Buffer.from('not a signature'), 0, 1), { code: 'ERR_BAD_MAGIC' });
    });
  });

  describe('patchToFd', function () {
    let theirs: Buffer;
    let delta: Buffer;
    before(function () {
      delta = rdiff(['delta', file('sig', rdiff(['signature', paths.small])), paths.smallNext]);
      theirs = rdiff(['patch', paths.small, file('delta', delta)]);
      sameBytes(theirs, smallNext, 'rdiff patch');
    });

    /** patchToFd into a fresh file holding 'HEAD'; the file's bytes after it. */
    async function patched(
      d: Buffer | AsyncIterable<Buffer>,
      basis = paths.small,
    ): Promise<{ out: Buffer; inBytes: number; outBytes: number }> {
      const out = file('out');
      fs.writeFileSync(out, 'HEAD');
      const r = await withFd(basis, 'r', (basisFd) => withFd(out, 'a', (outFd) => patchToFd(basisFd, d, outFd)));
      const all = fs.readFileSync(out);
      assert.equal(all.subarray(0, 4).toString(), 'HEAD');
      return { out: all.subarray(4), ...r };
    }

    it("writes rdiff's bytes with the delta as a Buffer, in chunks of 1, 7 and 65536 bytes, and as a file stream", async function () {
      const forms: Array<[string, () => Buffer | AsyncIterable<Buffer>]> = [
        ['Buffer', () => delta],
        ['1-byte chunks', () => chunked(delta, 1)],
        ['7-byte chunks', () => chunked(delta, 7)],
        ['65536-byte chunks', () => chunked(delta, 65536)],
        ['fs.createReadStream', () => fs.createReadStream(file('delta', delta))],
      ];
      for (const [name, make] of forms) {
        const r = await patched(make());
        sameBytes(r.out, theirs, `patch, delta as ${name}`);
        assert.equal(r.outBytes, theirs.length, name);
        assert.equal(r.inBytes, delta.length, name);
      }
    });

    it('ignores bytes after the END command, as rdiff does, and reads no further', async function () {
      let pulled = 0;
      async function* endless(): AsyncGenerator<Buffer> {
        yield delta;
        for (;;) {
          pulled++;
          yield Buffer.from('trailing garbage');
        }
      }
      sameBytes((await patched(endless())).out, theirs, 'patch with trailing bytes');
      assert.equal(pulled, 0);
    });

    it('patches against a FIFO basis fd (copied first), COPYs included', async function () {
      const fifo = file('basis.fifo');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      const writer = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', paths.small, fifo], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
      const fh = await fs.promises.open(fifo, 'r'); // on the pool: waits for the writer
      try {
        const out = file('out');
        await withFd(out, 'w', (outFd) => patchToFd(fh.fd, delta, outFd));
        sameBytes(fs.readFileSync(out), theirs, 'patch, FIFO basis');
      } finally {
        await fh.close();
        await exited;
      }
    });

    it('a corrupt delta rejects with its code naming the fds; .cause holds the reason alone', async function () {
      const corrupt = Buffer.concat([delta.subarray(0, 4), Buffer.from([0x99])]);
      const truncated = delta.subarray(0, delta.length - 1);
      for (const [d, code, reason] of [
        [corrupt, 'ERR_CORRUPT', /^reserved command byte 0x99 at delta offset 4$/],
        [truncated, 'ERR_TRUNCATED', /^delta ends at offset \d+ before the END command$/],
      ] as const) {
        await assert.rejects(patched(chunked(d, 3)), (err: unknown) => {
          assert.ok(err instanceof RsyncError, String(err));
          assert.equal(err.code, code);
          assert.match(err.message, /^patch of basis fd \d+ with delta \(stream\) into fd \d+: /);
          assert.ok(err.cause instanceof Error, 'cause');
          assert.match(err.cause.message, reason);
          return true;
        });
      }
    });

    it('an error of the delta stream itself rejects as it is; a chunk that is not a Buffer is ERR_PARAM', async function () {
      const own = new Error('the archive ended early');
      async function* failing(): AsyncGenerator<Buffer> {
        yield delta.subarray(0, 100);
        throw own;
      }
      await assert.rejects(patched(failing()), (err: unknown) => err === own);
      async function* strings(): AsyncGenerator<Buffer> {
        yield 'text' as unknown as Buffer;
      }
      await assert.rejects(patched(strings()), { name: 'TypeError', code: 'ERR_PARAM', message: /a chunk of delta/ });
    });

    it('a failed write keeps the fs code; bad arguments are ERR_PARAM', async function () {
      const out = file('read-only-out', Buffer.alloc(0));
      await assert.rejects(
        withFd(paths.small, 'r', (basisFd) => withFd(out, 'r', (outFd) => patchToFd(basisFd, delta, outFd))),
        (err: unknown) => {
          assert.ok(err instanceof RsyncError, String(err));
          assert.equal(err.code, 'EBADF');
          assert.equal((err.cause as NodeJS.ErrnoException).syscall, 'write');
          return true;
        },
      );
      await assert.rejects(patchToFd(-2, delta, 1), { code: 'ERR_PARAM', message: /for basisFd/ });
      await assert.rejects(patchToFd(0, 'delta' as unknown as Buffer, 1), { name: 'TypeError', code: 'ERR_PARAM', message: /for delta/ });
      await assert.rejects(patchToFd(0, delta, 2 ** 40 + 0.5), { code: 'ERR_PARAM', message: /for outFd/ });
    });
  });
});
