// Turns a stream into an object: small objects are read whole and stored in one piece; a
// segmented stream is cut into parts of `partSize` (or, for stores that write at offsets,
// taken chunk by chunk) and uploaded with at most `queue` parts in flight, so memory stays at
// (queue + 1) parts whatever the stream's length, and each part (a Buffer) can be retried on
// its own without rewinding the stream.
import type { ObjectStore } from './storage.js';

export interface UploadOptions {
  partSize: number;
  /** Parts uploading at once (≥ 1). */
  queue: number;
}

/** Collects chunks into buffers of exactly `size` bytes (the last may be shorter). */
async function* fixedParts(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let have = 0;
  for await (let chunk of source) {
    while (have + chunk.length >= size) {
      const take = size - have;
      pending.push(chunk.subarray(0, take));
      yield pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
      chunk = chunk.subarray(take);
      pending = [];
      have = 0;
    }
    if (chunk.length) { pending.push(chunk); have += chunk.length; }
  }
  if (have > 0) yield Buffer.concat(pending, have);
}

/** Stores that write at offsets take the stream's chunks as they come: no buffering, no copy. */
async function* asIs(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) if (chunk.length) yield chunk;
}

export async function putSegmented(store: ObjectStore, path: string, source: AsyncIterable<Buffer>, o: UploadOptions): Promise<void> {
  const partSize = Math.max(o.partSize, store.minPartSize);
  const parts$ = store.anySizeParts ? asIs(source) : fixedParts(source, partSize);
  const upload = await store.openUpload(path);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let parts = 0;
  let size = 0;
  try {
    for await (const part of parts$) {
      if (failure) break;
      const p: Promise<void> = upload.putPart(parts, size, part)
        .catch((err) => { failure ??= err; })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      parts += 1;
      size += part.length;
      while (inFlight.size >= Math.max(1, o.queue)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    // An empty stream is still one (empty) part, so every segmented object has a segment 0.
    if (parts === 0) { await upload.putPart(0, 0, Buffer.alloc(0)); parts = 1; }
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
