// pigz-style parallel compression: the input is cut into blocks, each compressed as an
// independent member on the libuv pool (up to `threads` at once) and emitted in order. The
// concatenation is a standard multi-member gzip / multi-stream bzip2 / multi-frame zstd file.
import { native, CodecKind } from '../native.js';
import type { ChunkPool } from '../bytes/chunk-pool.js';

/**
 * Groups input chunks into blocks of at least `minBlock` bytes. A chunk that is already big
 * enough (the tar writer yields 1 MiB chunks) is used as it is: no copy, no new allocation.
 */
async function* blocks(source: AsyncIterable<Buffer>, minBlock: number, release: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  const joined = () => {
    if (pending.length === 1) return pending[0];
    const block = Buffer.concat(pending, size);
    pending.forEach(release);
    return block;
  };
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    size += chunk.length;
    if (size < minBlock) continue;
    yield joined();
    pending = [];
    size = 0;
  }
  if (size > 0) yield joined();
}

/**
 * `release` receives every input chunk once its bytes are no longer read (the native job
 * finished with it), so the producer can reuse it. With `outputs`, members are written into
 * its chunks, which the stages downstream give back once stored (see ChunkPool); without, each
 * member is new memory that only the garbage collector reclaims, so up to tens of MiB of
 * stored members can wait for it.
 */
export async function* parallelCompress(
  kind: CodecKind,
  level: number,
  threads: number,
  minBlock: number,
  source: AsyncIterable<Buffer>,
  release: (chunk: Buffer) => void = () => {},
  outputs?: ChunkPool,
): AsyncGenerator<Buffer> {
  const inFlight: Promise<Buffer>[] = [];
  const compressed = async (block: Buffer) => {
    const member = await compressOne(kind, level, block, outputs);
    release(block);
    return member;
  };
  try {
    for await (const block of blocks(source, minBlock, release)) {
      inFlight.push(compressed(block));
      if (inFlight.length >= threads) yield await inFlight.shift()!;
    }
    while (inFlight.length) yield await inFlight.shift()!;
  } finally {
    // Jobs abandoned by an error or an early return must not turn into unhandled rejections.
    for (const job of inFlight) job.catch(() => {});
  }
}

async function compressOne(kind: CodecKind, level: number, block: Buffer, outputs: ChunkPool | undefined): Promise<Buffer> {
  if (outputs && native.memberCapacity(block.length) <= outputs.chunkSize) {
    const out = outputs.take();
    let size: number;
    try {
      size = await native.compressMemberInto(kind, level, block, out);
    } catch (err) {
      outputs.give(out);
      throw err;
    }
    if (size >= 0) return out.subarray(0, size);
    outputs.give(out);
  }
  return native.compressMember(kind, level, block);
}
