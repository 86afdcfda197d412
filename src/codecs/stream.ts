// Drives a native CodecStream over an async stream of Buffers. Output is collected into
// ~1 MiB Buffers owned by the consumer: fresh ones, or chunks of `pool` that the consumer
// gives back when done with them (a restore's extractor does: no garbage per MiB restored).
import { native, CodecKind, NativeCodecStream } from '../native.js';
import { integrityError } from '../base/errors.js';
import type { ChunkPool } from '../bytes/chunk-pool.js';

/** Size of the output chunks (and of the chunks of a pool given to codecStream). */
export const CODEC_OUT_SIZE = 1 << 20;

class OutputCollector {
  constructor(private readonly pool: ChunkPool | undefined) {}
  private out = this.alloc();
  private pos = 0;
  private alloc(): Buffer {
    return this.pool ? this.pool.take() : Buffer.allocUnsafe(CODEC_OUT_SIZE);
  }
  space(): Buffer {
    return this.out.subarray(this.pos);
  }
  advance(n: number): Buffer | null {
    this.pos += n;
    if (this.pos < this.out.length) return null;
    const full = this.out;
    this.out = this.alloc();
    this.pos = 0;
    return full;
  }
  rest(): Buffer | null {
    return this.pos > 0 ? this.out.subarray(0, this.pos) : null;
  }
}

function codecFailure(kind: CodecKind, decompress: boolean, err: unknown): Error {
  const e = err as Error & { code?: string };
  if (!decompress) return e;
  const what = e.code === 'ERR_TRUNCATED' ? 'truncated' : 'corrupt';
  return integrityError(`${kind} stream is ${what} (${e.message}): the backup data is damaged or the password is wrong`, err);
}

async function* drive(
  codec: NativeCodecStream,
  kind: CodecKind,
  decompress: boolean,
  source: AsyncIterable<Buffer>,
  pool: ChunkPool | undefined,
): AsyncGenerator<Buffer> {
  const out = new OutputCollector(pool);
  try {
    for await (const input of source) {
      let off = 0;
      while (off < input.length) {
        const [consumed, produced] = await codec.process(input.subarray(off), out.space(), false);
        off += consumed;
        const full = out.advance(produced);
        if (full) yield full;
      }
    }
    for (;;) {
      const [, produced, ended] = await codec.process(Buffer.alloc(0), out.space(), true);
      const full = out.advance(produced);
      if (full) yield full;
      if (ended || (decompress && produced === 0)) break;
    }
    const rest = out.rest();
    if (rest) yield rest;
  } catch (err) {
    throw codecFailure(kind, decompress, err);
  } finally {
    codec.close();
  }
}

export function codecStream(
  kind: CodecKind,
  decompress: boolean,
  level: number,
  threads: number,
  source: AsyncIterable<Buffer>,
  pool?: ChunkPool,
): AsyncGenerator<Buffer> {
  if (pool && pool.chunkSize !== CODEC_OUT_SIZE) throw new RangeError(`codec output chunks are ${CODEC_OUT_SIZE} bytes`);
  return drive(new native.CodecStream(kind, decompress, level, threads), kind, decompress, source, pool);
}
