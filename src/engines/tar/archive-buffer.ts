// Accumulates archive bytes in ~1 MiB chunks so that headers and small files are batched into
// few yields and file data can be read straight into the chunk (no intermediate copies).
// A yielded chunk is never touched again: consumers may keep it, or give it back to the pool
// once read.
import { ChunkPool } from '../../bytes/chunk-pool.js';

export class ArchiveBuffer {
  private buf: Buffer;
  private pos = 0;
  private readonly ready: Buffer[] = [];
  /** Bytes produced so far (committed), whether drained or not. */
  total = 0;

  private readonly chunkSize: number;

  constructor(private readonly pool: ChunkPool = new ChunkPool(1 << 20, 0)) {
    this.chunkSize = pool.chunkSize;
    this.buf = pool.take();
  }

  /** Free bytes in the current chunk. */
  free(): number {
    return this.buf.length - this.pos;
  }

  /**
   * Makes `n` contiguous bytes available and returns the chunk and offset to write them at;
   * call `commit(n)` afterwards. Starts a new chunk when the current one is too small.
   */
  reserve(n: number): { buf: Buffer; offset: number } {
    if (this.free() < n) this.startChunk(Math.max(this.chunkSize, n));
    return { buf: this.buf, offset: this.pos };
  }

  /** Current chunk and offset, starting a new chunk when the current one is full. */
  cursor(): { buf: Buffer; offset: number; free: number } {
    if (this.free() === 0) this.startChunk(this.chunkSize);
    return { buf: this.buf, offset: this.pos, free: this.free() };
  }

  commit(n: number): void {
    this.pos += n;
    this.total += n;
  }

  writeZeros(n: number): void {
    let left = n;
    while (left > 0) {
      const { buf, offset, free } = this.cursor();
      const take = Math.min(free, left);
      buf.fill(0, offset, offset + take);
      this.commit(take);
      left -= take;
    }
  }

  write(data: Buffer): void {
    let from = 0;
    while (from < data.length) {
      const { buf, offset, free } = this.cursor();
      const take = Math.min(free, data.length - from);
      data.copy(buf, offset, from, from + take);
      this.commit(take);
      from += take;
    }
  }

  /** True when at least one full chunk waits to be yielded. */
  hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Moves the partly filled chunk to the ready list (end of archive). */
  flush(): void {
    if (this.pos > 0) this.startChunk(0);
  }

  drain(): Buffer[] {
    return this.ready.splice(0, this.ready.length);
  }

  private startChunk(size: number): void {
    if (this.pos > 0) this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = size === this.chunkSize ? this.pool.take() : size > 0 ? Buffer.allocUnsafe(size) : Buffer.alloc(0);
    this.pos = 0;
  }
}
