// Turns a stream into an object: small objects are read whole and stored in one piece; a
// segmented stream is cut into parts of `partSize` (or, for stores that write at offsets,
// taken chunk by chunk) and uploaded with at most `queue` parts in flight and the next one
// filling, so memory stays at (queue + 2) parts whatever the stream's length, and each part
// (a Buffer) can be retried on its own without rewinding the stream.
import type { ObjectStore } from './storage.js';
import { ChunkPool, type ChunkLeases } from '../bytes/chunk-pool.js';
import type { PartMd5s } from './part-md5s.js';
import { prefetch } from '../bytes/prefetch.js';

export interface UploadOptions {
  partSize: number;
  /** Parts uploading at once (≥ 1). */
  queue: number;
  /** Where the stream's pooled chunks go back (see ChunkPool); the uploader holds one reference to each. */
  leases?: ChunkLeases;
  /** MD5s of the stream's segments, which are the parts (segment size = part size). */
  partMd5?: PartMd5s;
}

const noLeases: ChunkLeases = { hold: () => {}, give: () => {} };

/**
 * Collects chunks into parts of exactly `size` bytes (the last may be shorter); a chunk that
 * is a whole part is passed on as it is, holding its chunk until that part settles. A chunk
 * copied into parts is given back at once.
 */
async function* fixedParts(source: AsyncIterable<Buffer>, size: number, buffers: ChunkPool, leases: ChunkLeases): AsyncGenerator<Buffer> {
  let part: Buffer | null = null;
  let have = 0;
  for await (const whole of source) {
    let chunk = whole;
    while (chunk.length > 0) {
      if (!part && chunk.length >= size) {
        leases.hold(whole);
        yield chunk.subarray(0, size);
        chunk = chunk.subarray(size);
        continue;
      }
      part ??= buffers.take();
      const n = chunk.copy(part, have, 0, Math.min(chunk.length, size - have));
      have += n;
      chunk = chunk.subarray(n);
      if (have === size) {
        yield part;
        part = null;
        have = 0;
      }
    }
    leases.give(whole);
  }
  if (part && have > 0) yield part.subarray(0, have);
}

/** Stores that write at offsets take the stream's chunks as they come: no buffering, no copy. */
async function* asIs(source: AsyncIterable<Buffer>, leases: ChunkLeases): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (chunk.length) yield chunk;
    else leases.give(chunk);
  }
}

export async function putSegmented(store: ObjectStore, path: string, source: AsyncIterable<Buffer>, opts: UploadOptions): Promise<void> {
  const partSize = Math.max(opts.partSize, store.minPartSize);
  // Part buffers, recycled: a fresh 32 MiB Buffer per part costs page faults and zeroing when
  // filled and a GC when dropped (about 1 s of CPU per GiB here), while a part is only needed
  // until its upload settles. At most `queue` parts are in flight plus the ones being filled.
  const buffers = new ChunkPool(partSize, Math.max(1, opts.queue) + 2);
  const leases = opts.leases ?? noLeases;
  // A segment store's next part fills while the queue is full: pulled lazily it would only
  // start once a slot frees, and every upload would first wait for its part's bytes. Chunks
  // written at offsets need no such look-ahead (and it would cost memory).
  const ahead = store.anySizeParts ? asIs(source, leases) : prefetch(fixedParts(source, partSize, buffers, leases), 2);
  const upload = await store.openUpload(path);
  const inFlight = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let parts = 0;
  let size = 0;
  try {
    for await (const part of ahead) {
      if (failures.length) break;
      const p: Promise<void> = upload
        .putPart(parts, size, part, opts.partMd5?.of(parts))
        .catch((err: unknown) => {
          failures.push(err);
        })
        .finally(() => {
          inFlight.delete(p);
          buffers.give(part);
          leases.give(part);
        });
      inFlight.add(p);
      parts += 1;
      size += part.length;
      while (inFlight.size >= Math.max(1, opts.queue)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failures.length) throw failures[0];
    // An empty stream is still one (empty) part, so every segmented object has a segment 0.
    if (parts === 0) {
      await upload.putPart(0, 0, Buffer.alloc(0));
      parts = 1;
    }
    await upload.complete(parts, size);
  } catch (err) {
    await Promise.allSettled(inFlight);
    await upload.abort();
    throw err;
  }
}

export async function putWhole(store: ObjectStore, path: string, source: AsyncIterable<Buffer>): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c);
  await store.putObject(path, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}
