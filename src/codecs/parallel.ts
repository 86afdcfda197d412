// pigz-style parallel compression: the input is cut into blocks, each compressed as an
// independent member on the libuv pool (up to `threads` at once) and emitted in order. The
// concatenation is a standard multi-member gzip / multi-stream bzip2 / multi-frame zstd file.
import { native, CodecKind } from '../native.js';

/**
 * Groups input chunks into blocks of at least `minBlock` bytes. A chunk that is already big
 * enough (the tar writer yields 1 MiB chunks) is used as it is: no copy, no new allocation.
 */
async function* blocks(source: AsyncIterable<Buffer>, minBlock: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    size += chunk.length;
    if (size < minBlock) continue;
    yield pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
    pending = [];
    size = 0;
  }
  if (size > 0) yield pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
}

export async function* parallelCompress(kind: CodecKind, level: number, threads: number, minBlock: number, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inFlight: Promise<Buffer>[] = [];
  for await (const block of blocks(source, minBlock)) {
    inFlight.push(native.compressMember(kind, level, block));
    if (inFlight.length >= threads) yield await inFlight.shift()!;
  }
  while (inFlight.length) yield await inFlight.shift()!;
}
