// pigz-style parallel compression: the input is cut into blocks, each compressed as an
// independent member on the libuv pool (up to `threads` at once) and emitted in order. The
// concatenation is a standard multi-member gzip / multi-stream bzip2 file.
import { native, CodecKind } from '../native.js';
import { segment } from '../pipeline/segmenter.js';

export async function* parallelCompress(kind: CodecKind, level: number, threads: number, blockSize: number, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inFlight: Promise<Buffer>[] = [];
  for await (const block of segment(source, blockSize)) {
    inFlight.push(native.compressMember(kind, level, block));
    if (inFlight.length >= threads) yield await inFlight.shift()!;
  }
  while (inFlight.length) yield await inFlight.shift()!;
}
