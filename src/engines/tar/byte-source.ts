// Pull-based reader over an AsyncIterable<Buffer> of arbitrary chunk sizes: exact-length reads
// for headers (zero-copy when a chunk holds them), streaming slices for member data.
import { integrityError } from '../../base/errors.js';

const EMPTY = Buffer.alloc(0);

export class ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private chunk: Buffer = EMPTY;
  private pos = 0;
  private ended = false;
  /** Archive offset of the next unread byte. */
  offset = 0;

  /** `done` gets every chunk once all of it was read and the next one is asked for. */
  constructor(
    source: AsyncIterable<Buffer>,
    private readonly done?: (chunk: Buffer) => void,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Makes unread bytes available; false at end of input. */
  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return false;
      if (this.chunk.length > 0) this.done?.(this.chunk);
      this.chunk = EMPTY;
      const next = await this.it.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.pos = 0;
    }
    return true;
  }

  /** Exactly n bytes; null if the input ends before the first byte; throws if it ends inside. */
  async readExact(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    if (this.chunk.length - this.pos >= n) return this.take(n);
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (!(await this.fill())) throw this.truncated(what);
      const part = this.take(Math.min(n - have, this.chunk.length - this.pos));
      parts.push(part);
      have += part.length;
    }
    return Buffer.concat(parts, n);
  }

  /** Up to `max` bytes (at least one) from the current chunk; throws at end of input. */
  async readSome(max: number, what: string): Promise<Buffer> {
    if (!(await this.fill())) throw this.truncated(what);
    return this.take(Math.min(max, this.chunk.length - this.pos));
  }

  /** The unread bytes of the current chunk, as chunk[start..]: fills from the source when none are left; null at the end. */
  async current(): Promise<{ chunk: Buffer; start: number } | null> {
    if (!(await this.fill())) return null;
    return { chunk: this.chunk, start: this.pos };
  }

  /** Marks `n` bytes of what current() returned as read. */
  consume(n: number): void {
    this.pos += n;
    this.offset += n;
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.readSome(left, what)).length;
  }

  private take(n: number): Buffer {
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  truncated(what: string) {
    return integrityError(`truncated tar archive: unexpected end of data in ${what} at offset ${this.offset}`);
  }

  /** Releases the underlying iterator (early exit). */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }
}
