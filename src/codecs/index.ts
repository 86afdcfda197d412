// Compression stages by codec name. gzip and bzip2 parallelise by independent members (the
// stock tools read the concatenation); xz and zstd use their libraries' own worker threads.
import { CodecName, resolveLevel } from './registry.js';
import { codecStream } from './stream.js';
import { parallelCompress } from './parallel.js';

/** Blocks per member: bzip2's block is 100k × level, so one member holds one bzip2 block. */
const MEMBER_BLOCK = { gzip: 1 << 20, bzip2: 0 } as const;

export interface CompressOptions {
  codec: CodecName;
  level?: number;
  threads: number;
}

export function compress(opts: CompressOptions, source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const { codec, threads } = opts;
  if (codec === 'none') return source;
  const level = resolveLevel(codec, opts.level);
  if ((codec === 'gzip' || codec === 'bzip2') && threads > 1) {
    const block = codec === 'gzip' ? MEMBER_BLOCK.gzip : 100_000 * level - 64;
    return parallelCompress(codec, level, threads, block, source);
  }
  return codecStream(codec, false, level, threads, source);
}

export function decompress(codec: CodecName, threads: number, source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (codec === 'none') return source;
  return codecStream(codec, true, CODEC_DECODE_LEVEL, Math.max(1, threads), source);
}

/** Decoders ignore the level; the native side still validates one. */
const CODEC_DECODE_LEVEL = 1;

export { CODECS, isCodecName, resolveLevel } from './registry.js';
export type { CodecName } from './registry.js';
