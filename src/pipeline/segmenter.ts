// Re-cuts a byte stream into Buffers of exactly `size` bytes (the last one shorter): the unit
// of per-segment hashing and of uploads. At most one segment is being filled at a time, and
// every yielded segment is a fresh Buffer that consumers may keep (read-ahead stages do).
export async function* segment(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let seg = Buffer.allocUnsafe(size);
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
        seg = Buffer.allocUnsafe(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield seg.subarray(0, fill);
}
