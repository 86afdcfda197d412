// permafrost-rdiff's stream forms: a pipe, socket or terminal on stdin or stdout (or a
// non-seekable input) is driven through a Transform over the native job. Apart from rdiff.ts
// so that file-to-file runs, the common case in scripts, never load Node's stream modules.
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { NativeRsyncJob } from '../native.js';
import { context, fail, RsyncError } from '../rsync/errors.js';
import { RsyncTransform } from '../rsync/transform.js';
import type { Input, OutputEnd, Totals } from './rdiff-ends.js';

const readFd = promisify(fs.read);
const writeFd = promisify(fs.write);

/**
 * The fd of a file input as an async iterable. Not fs.createReadStream: a stream destroyed
 * by a failing pipeline closes its fd, and the FdFile owning it would close it again.
 * Fresh buffers: a chunk may still sit in the transform's write queue when the next is read.
 */
async function* fdChunks(fd: number): AsyncGenerator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    const { bytesRead } = await readFd(fd, buf, 0, buf.length, null);
    if (bytesRead === 0) return;
    yield buf.subarray(0, bytesRead);
  }
}

/** The fd of a file output as a Writable that never closes it (see fdChunks). */
function fdWritable(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      (async () => {
        for (let off = 0; off < chunk.length;) off += (await writeFd(fd, chunk, off, chunk.length - off, null)).bytesWritten;
      })().then(() => callback(), callback);
    },
  });
}

/** Drives `job` from `input` into `out` through streams, counting bytes both ways. */
export async function viaStreams(job: NativeRsyncJob, what: string, input: Input, out: OutputEnd): Promise<Totals> {
  const totals = { inBytes: 0, outBytes: 0 };
  const transform = new RsyncTransform({ job }, what, context());
  const source = input.kind === 'stream' ? input.stream : fdChunks(input.fd);
  const counted = (key: keyof Totals) =>
    async function* (src: AsyncIterable<Buffer>) {
      for await (const c of src) {
        totals[key] += c.length;
        yield c;
      }
    };
  const sink = out.kind === 'stream' ? out.stream : fdWritable(out.fd);
  // Standard output is left open (other writers may share it); a file is ended.
  const ctx = context();
  try {
    await pipeline(source, counted('inBytes'), transform, counted('outBytes'), sink, { end: out.kind !== 'stream' });
  } catch (err) {
    if (err instanceof RsyncError) throw err;
    // Not the job's: reading the input or writing the output (EPIPE: the reader went away).
    const e = err as NodeJS.ErrnoException;
    throw fail(ctx, e.syscall === 'write' || e.code === 'EPIPE' ? `cannot write ${out.name}` : `cannot read ${input.name}`, err);
  }
  return totals;
}
