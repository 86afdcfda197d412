// Re-cuts a byte stream into Buffers of exactly `size` bytes (the last one shorter): the unit
// of per-segment hashing and of uploads. At most one segment is being filled at a time.
//
// With `recycle`, segments are taken from a pool of two buffers: a consumer that is done with a
// segment before it asks for the one after next (every sequential consumer is) lets memory stay
// at two segments instead of waiting for the garbage collector to free 32 MiB buffers.
export async function* segment(source: AsyncIterable<Buffer>, size: number, opts: { recycle?: boolean } = {}): AsyncGenerator<Buffer> {
  const pool = opts.recycle ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : null;
  let turn = 0;
  const fresh = () => (pool ? pool[turn++ % 2] : Buffer.allocUnsafe(size));
  let seg = fresh();
  let fill = 0;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(size - fill, chunk.length - off);
      chunk.copy(seg, fill, off, off + n);
      fill += n;
      off += n;
      if (fill === size) {
        yield seg;
        seg = fresh();
        fill = 0;
      }
    }
  }
  if (fill > 0) yield seg.subarray(0, fill);
}
