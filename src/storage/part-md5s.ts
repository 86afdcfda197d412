// The MD5 of each part of a segmented upload, for the storages that check every part against
// its MD5 (Swift's ETag, S3's Content-MD5). Whoever hashes the stream anyway feeds them (the
// digest stage computes them in the same pass as the segments' SHA-256s), so the storage need
// not hash a part a second time. A storage hands one out only when its parts are the
// segments being hashed (Storage.partMd5s); a part may ask before its segment is hashed: it
// gets a promise.

/** The producer's side: what the stage that hashes the stream tells about each segment. */
export interface PartMd5Feed {
  /** The stream's segment (= part) size these MD5s are of. */
  readonly segmentSize: number;
  resolve(index: number, md5: Buffer): void;
  end(): void;
  fail(error: unknown): void;
}

export class PartMd5s implements PartMd5Feed {
  private readonly known = new Map<number, Promise<Buffer>>();
  private readonly waiting = new Map<number, { resolve: (md5: Buffer) => void; reject: (err: unknown) => void }>();
  private failure: { error: unknown } | null = null;

  constructor(readonly segmentSize: number) {}

  /** The MD5 of segment `index` (0-based). */
  of(index: number): Promise<Buffer> {
    let p = this.known.get(index);
    if (!p) {
      p = this.failure
        ? Promise.reject(this.failure.error)
        : new Promise<Buffer>((resolve, reject) => this.waiting.set(index, { resolve, reject }));
      // A store that does not check MD5s never awaits it; a failure must not go unhandled.
      p.catch(() => undefined);
      this.known.set(index, p);
    }
    return p;
  }

  /** The digest stage hashed segment `index`. */
  resolve(index: number, md5: Buffer): void {
    const w = this.waiting.get(index);
    if (w) {
      this.waiting.delete(index);
      w.resolve(md5);
    } else {
      this.known.set(index, Promise.resolve(md5));
    }
  }

  /** The stream ended: a part that waits for a segment that never came is a bug, not a hang. */
  end(): void {
    for (const [index, w] of this.waiting) w.reject(new Error(`internal error: the stream had no segment ${index}`));
    this.waiting.clear();
  }

  /** The stream failed: every MD5 not known yet fails with it. */
  fail(error: unknown): void {
    this.failure ??= { error };
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}
