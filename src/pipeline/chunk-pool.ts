// Fixed-size chunks handed back by the stage that consumed them, so a backup reuses a dozen
// resident buffers instead of faulting in fresh pages for every MiB of the archive (with the
// agent's mmap threshold each new chunk is a new mapping: ~0.25 s of page faults per GB).
// A chunk that is never given back is simply collected; giving back is only an optimisation.

export class ChunkPool {
  private readonly spare: Buffer[] = [];
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private readonly idle = new WeakSet<ArrayBufferLike>();

  constructor(readonly chunkSize: number, private readonly maxSpare = 16) {}

  take(): Buffer {
    const buf = this.spare.pop();
    if (buf) {
      this.idle.delete(buf.buffer);
      return buf;
    }
    const fresh = Buffer.allocUnsafeSlow(this.chunkSize);
    this.ours.add(fresh.buffer);
    return fresh;
  }

  /**
   * Takes back a chunk (or any view of one) whose bytes nobody reads any more. Views of other
   * memory and chunks already given back are ignored.
   */
  give(view: Buffer): void {
    const ab = view.buffer;
    if (!this.ours.has(ab) || this.idle.has(ab) || this.spare.length >= this.maxSpare) return;
    this.idle.add(ab);
    this.spare.push(Buffer.from(ab, 0, this.chunkSize));
  }
}
