// Integrity of the stored bytes: SHA-256 per segment and of the whole stream, plus
// HMAC-SHA256 when encrypted. On restore every segment is checked before any of its bytes
// go further, so damaged data is reported, never decompressed or extracted.
import { native } from '../native.js';
import { collectGarbage } from '../bytes/collect-garbage.js';
import { integrityError, passwordError } from '../base/errors.js';
import type { ChunkLeases } from '../bytes/chunk-pool.js';
import type { PartMd5Feed } from '../storage/part-md5s.js';
import type { StreamDigest } from '../crypto/integrity.js';

export type { StreamDigest } from '../crypto/integrity.js';

const SHA256_BYTES = 32;

/**
 * Passes the stored bytes through unchanged while hashing them: SHA-256 (and HMAC) of the
 * whole stream and SHA-256 of every `segmentSize` slice, and with `md5s` the MD5 of every
 * slice as well (same pass). Nothing is buffered, so a backup's memory does not grow with the
 * segment size; storages that upload whole segments buffer them themselves.
 */
export async function* digestStream(
  source: AsyncIterable<Buffer>,
  segmentSize: number,
  hmacKey: Buffer | null,
  done: (d: StreamDigest) => void,
  leases?: ChunkLeases,
  md5s?: PartMd5Feed,
): AsyncGenerator<Buffer> {
  const digest = new native.Digest(hmacKey, segmentSize, md5s !== undefined);
  const segments: Buffer[] = [];
  const collect = (hashes: Buffer[]) => {
    for (const h of hashes) {
      if (md5s) md5s.resolve(segments.length, h.subarray(SHA256_BYTES));
      segments.push(h.subarray(0, SHA256_BYTES));
    }
  };
  let size = 0;
  // Chunk N is hashed on the pool while the consumer stores it, so the hash holds the chunk
  // too: a consumer done with it first must not see it reused under the hash. Segments are
  // collected as soon as their hash is done: a part being uploaded may wait for its MD5.
  let hashing: Promise<void> | undefined;
  try {
    for await (const chunk of source) {
      await hashing;
      leases?.hold(chunk);
      const update = digest.update(chunk);
      if (leases) update.finally(() => leases.give(chunk)).catch(() => {});
      hashing = update.then((h) => collect(h as Buffer[]));
      hashing.catch(() => {});
      size += chunk.length;
      yield chunk;
    }
    await hashing;
    const [sha, hmac, last] = digest.final();
    if (last) collect([last]);
    md5s?.end();
    done({
      segment_size: segmentSize,
      segments: segments.map((h) => h.toString('hex')),
      size,
      sha256: sha.toString('hex'),
      ...(hmac ? { hmac_sha256: hmac.toString('hex') } : {}),
    });
  } catch (err) {
    md5s?.fail(err);
    throw err;
  } finally {
    md5s?.fail(new Error('the stream was closed before the end'));
  }
}

export async function* verifySegments(
  source: AsyncIterable<Buffer>,
  expected: StreamDigest,
  hmacKey: Buffer | null,
  what: string,
): AsyncGenerator<Buffer> {
  // The stored chunks of the segment being checked are held as they came (no copy into one
  // segment buffer) and handed on once its hash matches: at most one segment is held.
  const digest = new native.Digest(hmacKey, expected.segment_size);
  const held = new HeldBytes();
  let index = 0;
  let size = 0;
  const check = (sha: Buffer, length: number) => {
    if (index >= expected.segments.length)
      throw integrityError(`${what}: more data than the ${expected.size} bytes recorded (segment ${index} is extra)`);
    if (sha.toString('hex') !== expected.segments[index]) {
      throw integrityError(
        `${what}: segment ${index} (bytes ${size}..${size + length}) fails its SHA-256 check: the stored data is damaged`,
      );
    }
    index++;
    size += length;
  };
  for await (const chunk of source) {
    const completed = (await digest.update(chunk)) as Buffer[];
    held.add(chunk);
    for (const sha of completed) {
      check(sha, expected.segment_size);
      yield* held.take(expected.segment_size);
      // The stored chunks of the segment before are garbage now.
      collectGarbage();
    }
  }
  const [sha, hmac, last] = digest.final();
  if (last) {
    const length = held.bytes;
    check(last, length);
    yield* held.take(length);
  }
  if (size !== expected.size || index !== expected.segments.length) {
    throw integrityError(`${what}: truncated: ${size} of ${expected.size} bytes stored`);
  }
  if (sha.toString('hex') !== expected.sha256) throw integrityError(`${what}: whole-stream SHA-256 mismatch`);
  if (expected.hmac_sha256 && hmac && hmac.toString('hex') !== expected.hmac_sha256) {
    throw passwordError(`${what}: HMAC mismatch: wrong password or tampered data`);
  }
}

/** Chunks kept in order; `take` hands on the first n bytes, splitting a chunk where it must. */
class HeldBytes {
  private chunks: Buffer[] = [];
  bytes = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  *take(n: number): Generator<Buffer> {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0];
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
        this.bytes -= first.length;
        yield first;
      } else {
        this.chunks[0] = first.subarray(left);
        this.bytes -= left;
        yield first.subarray(0, left);
        left = 0;
      }
    }
  }
}
