// The stream forms: a stream.Transform that drives one native rsync job over caller-owned
// buffers, zlib.js style. One iterate() in flight; the unconsumed rest of a chunk is
// submitted again; output goes out as slices of a 64 KiB buffer that is never written
// twice; when push() returns false nothing more is asked of the job until _read() is
// called, so a slow consumer holds the producer back (and with it the writer's callbacks).
import { Transform, type TransformCallback } from 'node:stream';
import type { NativeRsyncJob } from '../native.js';
import { fail, rsyncError, type RsyncError } from './errors.js';

const OUT_CHUNK = 64 << 10;
/** Below this much room left, a fresh output buffer beats a tiny native call. */
const MIN_ROOM = 4 << 10;
const EMPTY = Buffer.alloc(0);

export interface JobSource {
  /** The job, or its promise when it needs async set-up (loading a signature, opening a basis). */
  job: NativeRsyncJob | Promise<NativeRsyncJob>;
  /** Runs once the stream is destroyed (ended or failed) and no native call is in flight. */
  cleanup?: () => Promise<void>;
}

export class RsyncTransform extends Transform {
  readonly #job: Promise<NativeRsyncJob>;
  readonly #cleanup?: () => Promise<void>;
  readonly #ctx: RsyncError;
  readonly #what: string;
  #out = Buffer.allocUnsafe(OUT_CHUNK);
  #pos = 0;
  #done = false;
  #inflight: Promise<unknown> | null = null;
  #wake: (() => void) | null = null;

  /**
   * `ctx` is made by the public factory, so a failure's stack shows the code that created
   * the stream (every iterate() is called from stream internals, which say nothing useful).
   * `what` names the stream in messages ("delta stream against signature (Buffer of 812 bytes)").
   */
  constructor(source: JobSource, what: string, ctx: RsyncError) {
    super();
    this.#job = Promise.resolve(source.job);
    // Failures surface on the first write or at end; do not let them go unhandled meanwhile.
    this.#job.catch(() => undefined);
    this.#cleanup = source.cleanup;
    this.#ctx = ctx;
    this.#what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!Buffer.isBuffer(chunk)) {
      callback(rsyncError('ERR_PARAM', `${this.#what}: expected Buffer chunks, received ${typeof chunk}`));
      return;
    }
    this.#run(chunk, false).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#run(EMPTY, true).then(() => callback(), callback);
  }

  override _read(size: number): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    // The job may still be reading the basis fd: close nothing under a native call.
    const settle = this.#inflight ?? Promise.resolve();
    settle
      .catch(() => undefined)
      .then(() => this.#cleanup?.())
      .then(
        () => callback(error),
        (err: unknown) => callback(error ?? (err as Error)),
      );
  }

  async #iterate(job: NativeRsyncJob, input: Buffer, room: Buffer, eof: boolean): Promise<[number, number, boolean]> {
    const call = job.iterate(input, room, eof);
    this.#inflight = call;
    try {
      return await call;
    } catch (err) {
      throw fail(this.#ctx, this.#what, err);
    } finally {
      this.#inflight = null;
    }
  }

  async #run(input: Buffer, eof: boolean): Promise<void> {
    let job: NativeRsyncJob;
    try {
      job = await this.#job;
    } catch (err) {
      throw fail(this.#ctx, this.#what, err);
    }
    let off = 0;
    // A patch is complete at its END command; bytes after it are ignored, as rdiff does.
    while (!this.#done && !this.destroyed) {
      if (this.#out.length - this.#pos < MIN_ROOM) {
        this.#out = Buffer.allocUnsafe(OUT_CHUNK);
        this.#pos = 0;
      }
      const room = this.#out.subarray(this.#pos);
      const [consumed, produced, done] = await this.#iterate(job, input.subarray(off), room, eof);
      off += consumed;
      let more = true;
      if (produced > 0) {
        more = this.push(this.#out.subarray(this.#pos, this.#pos + produced));
        this.#pos += produced;
      }
      if (done) {
        this.#done = true;
        return;
      }
      if (!eof && off === input.length && produced < room.length) return;
      if (consumed === 0 && produced === 0) {
        throw fail(this.#ctx, this.#what, rsyncError('ERR_INTERNAL', 'the native rsync job made no progress'));
      }
      if (!more && !this.destroyed)
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
    }
  }
}
