// Drives a native CodecStream over an async stream of Buffers. Output is collected into
// ~1 MiB Buffers owned by the consumer (each yielded Buffer is fresh, never reused).
import { native, CodecKind, NativeCodecStream } from '../native.js';
import { integrityError } from '../base/errors.js';

const OUT_SIZE = 1 << 20;

class OutputCollector {
  private out = Buffer.allocUnsafe(OUT_SIZE);
  private pos = 0;
  space(): Buffer {
    return this.out.subarray(this.pos);
  }
  advance(n: number): Buffer | null {
    this.pos += n;
    if (this.pos < this.out.length) return null;
    const full = this.out;
    this.out = Buffer.allocUnsafe(OUT_SIZE);
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
): AsyncGenerator<Buffer> {
  const out = new OutputCollector();
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
): AsyncGenerator<Buffer> {
  return drive(new native.CodecStream(kind, decompress, level, threads), kind, decompress, source);
}
