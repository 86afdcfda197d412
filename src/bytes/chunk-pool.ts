// Fixed-size chunks handed back by the stages that read them, so a backup reuses a dozen
// resident buffers instead of faulting in fresh pages for every MiB of the archive (with the
// agent's mmap threshold each new chunk is a new mapping: ~0.25 s of page faults per GB).
// A chunk that is never given back is simply collected; giving back is only an optimisation.
//
// A chunk can be read by several stages at once (hashed on the pool while it is uploaded), so
// it carries a count of holders: `take` makes the stream its first holder, a stage that keeps
// reading a chunk after passing it on `hold`s it, and every holder `give`s it back once. The
// chunk is reused when the last holder has given it back.

/** What a stage needs to take part in recycling chunks it did not allocate. */
export interface ChunkLeases {
  /** One more holder of the chunk behind `view` (ignored for memory that is not a pooled chunk). */
  hold(view: Buffer): void;
  /** One holder fewer; the last one returns the chunk to the pool. */
  give(view: Buffer): void;
}

/** Leases over several pools: each ignores the memory of the others. */
export function allLeases(...pools: ChunkLeases[]): ChunkLeases {
  return {
    hold: (view) => pools.forEach((p) => p.hold(view)),
    give: (view) => pools.forEach((p) => p.give(view)),
  };
}

export class ChunkPool implements ChunkLeases {
  private readonly spare: Buffer[] = [];
  /** Holders of every chunk this pool made that is out; 0 while it waits in `spare`. */
  private readonly holders = new WeakMap<ArrayBufferLike, number>();

  constructor(
    readonly chunkSize: number,
    private readonly maxSpare = 16,
  ) {}

  take(): Buffer {
    const buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
    this.holders.set(buf.buffer, 1);
    return buf;
  }

  hold(view: Buffer): void {
    const n = this.holders.get(view.buffer);
    if (n) this.holders.set(view.buffer, n + 1);
  }

  /**
   * Takes back one holder of a chunk (or of any view of one). Views of other memory and chunks
   * nobody holds are ignored.
   */
  give(view: Buffer): void {
    const ab = view.buffer;
    const n = this.holders.get(ab);
    if (!n) return;
    this.holders.set(ab, n - 1);
    if (n > 1) return;
    if (this.spare.length >= this.maxSpare) {
      this.holders.delete(ab);
      return;
    }
    this.spare.push(Buffer.from(ab, 0, this.chunkSize));
  }
}
