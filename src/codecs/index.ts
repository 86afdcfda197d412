// Compression stages by codec name. gzip, bzip2 and zstd parallelise by independent members
// compressed on the libuv pool (the stock tools read the concatenation); xz uses liblzma's own
// multi-threaded encoder. (libzstd's workers are not used: its multi-threaded API does not
// block, so a caller on the pool would have to poll it.)
import { CodecName, resolveLevel } from './registry.js';
import { codecStream } from './stream.js';
import { parallelCompress } from './parallel.js';
import { native } from '../native.js';
import type { ChunkPool } from '../bytes/chunk-pool.js';

/**
 * Least input bytes per member: 1 MiB, the tar writer's chunk, so members are compressed
 * straight from the archive chunks. (bzip2 then holds one or two blocks per member.)
 */
const MEMBER_BLOCK = 1 << 20;

export interface CompressOptions {
  codec: CodecName;
  level?: number;
  threads: number;
  /** Receives input chunks that the codec has finished reading (see ChunkPool). */
  release?: (chunk: Buffer) => void;
  /** Chunks of memberOutputSize() bytes to write parallel members into (see parallelCompress). */
  outputs?: ChunkPool;
}

/** Output chunk size for CompressOptions.outputs: room for a member of one block. */
export const memberOutputSize = (): number => native.memberCapacity(MEMBER_BLOCK);

export function compress(opts: CompressOptions, source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const { codec, threads } = opts;
  if (codec === 'none') return source;
  const level = resolveLevel(codec, opts.level);
  if ((codec === 'gzip' || codec === 'bzip2' || codec === 'zstd') && threads > 1) {
    return parallelCompress(codec, level, threads, MEMBER_BLOCK, source, opts.release, opts.outputs);
  }
  return codecStream(codec, false, level, threads, source);
}

/** With `pool`, the output chunks are the pool's (CODEC_OUT_SIZE): the consumer gives them back. */
export function decompress(codec: CodecName, threads: number, source: AsyncIterable<Buffer>, pool?: ChunkPool): AsyncIterable<Buffer> {
  if (codec === 'none') return source;
  return codecStream(codec, true, CODEC_DECODE_LEVEL, Math.max(1, threads), source, pool);
}

/** Decoders ignore the level; the native side still validates one. */
const CODEC_DECODE_LEVEL = 1;

export { CODECS, isCodecName, resolveLevel } from './registry.js';
export { CODEC_OUT_SIZE } from './stream.js';
export type { CodecName } from './registry.js';
