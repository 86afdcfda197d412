// Runs a native rsync job to completion over input already in memory (or read in chunks)
// and hands its output to a sink: one Buffer collected (`collect`), or an fd (`drainTo`).
// Every iterate() runs on the libuv pool; this loop only hands buffers over, so the event
// loop stays free however big the input is.
import type { NativeRsyncJob } from '../native.js';
import { rsyncError } from './errors.js';

const FIRST_OUT = 64 << 10;
const MAX_OUT = 8 << 20;

/** Where a job's output goes: `room()` is the job's next output buffer, `advance(n)` takes its first n bytes. */
export interface Sink {
  room(): Buffer;
  advance(n: number): void | Promise<void>;
}

/** Output chunks that start small and double, so small results stay small and big ones take few calls. */
class Collector implements Sink {
  private chunks: Buffer[] = [];
  private out = Buffer.allocUnsafe(FIRST_OUT);
  private pos = 0;
  private total = 0;

  room(): Buffer {
    if (this.pos === this.out.length) {
      this.chunks.push(this.out);
      this.out = Buffer.allocUnsafe(Math.min(this.out.length * 2, MAX_OUT));
      this.pos = 0;
    }
    return this.out.subarray(this.pos);
  }

  advance(n: number): void {
    this.pos += n;
    this.total += n;
  }

  /**
   * One Buffer of everything produced. Not Buffer.concat: copying a few hundred MiB in one
   * go stalls the event loop (page faults included) for a good part of a second; one
   * chunk (at most 8 MiB, a few ms) per turn of the loop keeps it responsive.
   */
  async result(): Promise<Buffer> {
    if (this.chunks.length === 0) return this.out.subarray(0, this.pos);
    const all = Buffer.allocUnsafe(this.total);
    let at = 0;
    for (const chunk of [...this.chunks, this.out.subarray(0, this.pos)]) {
      at += chunk.copy(all, at);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.chunks = [];
    return all;
  }
}

/**
 * Feeds `input` (then EOF) to `job` until it reports done. `eof` false with a whole input
 * consumed and room left means the job wants more input; anything else is asked again.
 */
async function feed(job: NativeRsyncJob, input: Buffer, eof: boolean, out: Sink): Promise<boolean> {
  let off = 0;
  for (;;) {
    const room = out.room();
    const [consumed, produced, done] = await job.iterate(input.subarray(off), room, eof);
    off += consumed;
    await out.advance(produced);
    if (done) return true;
    if (!eof && off === input.length && produced < room.length) return false;
    if (consumed === 0 && produced === 0) throw rsyncError('ERR_INTERNAL', 'the native rsync job made no progress');
  }
}

/**
 * Runs `job` over `input` (a Buffer, or chunks read from a file or a stream) into `out`.
 * Native errors, the sink's and the input's pass through.
 */
export async function drainTo(job: NativeRsyncJob, input: Buffer | AsyncIterable<Buffer>, out: Sink): Promise<void> {
  if (Buffer.isBuffer(input)) {
    await feed(job, input, true, out);
    return;
  }
  for await (const chunk of input) {
    // A patch ends at its END command; whatever follows is ignored, as rdiff does.
    if (await feed(job, chunk, false, out)) return;
  }
  await feed(job, Buffer.alloc(0), true, out);
}

/** The job's whole output for `input`, as one Buffer. */
export async function collect(job: NativeRsyncJob, input: Buffer | AsyncIterable<Buffer>): Promise<Buffer> {
  const out = new Collector();
  await drainTo(job, input, out);
  return await out.result();
}
