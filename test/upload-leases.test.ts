// Pooled chunks come back to the pool only when nothing reads them any more: a chunk given
// back early would be refilled by the producer while a slow part upload (or the hash) still
// reads it, and the stored bytes would silently differ from the stream.
import assert from 'node:assert/strict';
import { ChunkPool } from '../src/bytes/chunk-pool.js';
import { digestStream, StreamDigest } from '../src/pipeline/digest.js';
import { putSegmented } from '../src/storage/upload.js';
import type { ObjectStore } from '../src/storage/storage.js';
import { native } from '../src/native.js';

const CHUNK = 4096;

/** A stream of pooled chunks, each refilled with its own pattern as soon as the pool hands it out. */
async function* pooledStream(
  pool: ChunkPool,
  count: number,
  expected: Buffer[],
  memory = new Set<ArrayBufferLike>(),
): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    const c = pool.take();
    memory.add(c.buffer);
    c.fill(i & 0xff);
    expected.push(Buffer.from(c));
    yield c;
    await new Promise((r) => setImmediate(r));
  }
}

/** A store whose parts land late (a slow network): it reads each part only after a delay. */
function slowStore(anySizeParts: boolean, stored: Map<number, Buffer>): ObjectStore {
  const later = () => new Promise((r) => setTimeout(r, 3));
  return {
    name: 'slow',
    minPartSize: 1,
    anySizeParts,
    putObject: async () => {},
    openUpload: async () => ({
      putPart: async (_i, offset, data) => {
        await later();
        stored.set(offset, Buffer.from(data));
      },
      complete: async () => {},
      abort: async () => {},
    }),
    get: async function* () {},
    list: async () => [],
    stat: async () => null,
    remove: async () => {},
  };
}

const joined = (stored: Map<number, Buffer>) => Buffer.concat([...stored.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));

describe('chunk leases through the uploader and the hash', () => {
  for (const [label, anySize, partSize] of [
    ['offset writes (local, ssh)', true, 10_000],
    ['parts copied from chunks (swift, s3)', false, 10_000],
    ['chunks passed on as whole parts', false, CHUNK / 2],
  ] as const) {
    it(`${label}: stores the stream exactly and recycles chunks`, async () => {
      const pool = new ChunkPool(CHUNK, 8);
      const expected: Buffer[] = [];
      const stored = new Map<number, Buffer>();
      let digest: StreamDigest | undefined;
      const memory = new Set<ArrayBufferLike>();
      const hashed = digestStream(
        pooledStream(pool, 40, expected, memory),
        5000,
        null,
        (d) => {
          digest = d;
        },
        pool,
      );
      await putSegmented(slowStore(anySize, stored), 'x', hashed, { partSize, queue: 3, leases: pool });
      const want = Buffer.concat(expected);
      assert.ok(joined(stored).equals(want), 'the stored bytes are the stream');
      const d = new native.Digest(null);
      await d.update(want);
      assert.equal(digest!.sha256, d.final()[0].toString('hex'), 'the hash saw the stream');
      assert.ok(memory.size < 20, `40 chunks used ${memory.size} buffers: chunks must be recycled`);
    });
  }

  it('without leases nothing is ever handed out twice', async () => {
    const pool = new ChunkPool(CHUNK, 8);
    const expected: Buffer[] = [];
    const stored = new Map<number, Buffer>();
    const memory = new Set<ArrayBufferLike>();
    await putSegmented(slowStore(false, stored), 'x', pooledStream(pool, 10, expected, memory), { partSize: 10_000, queue: 2 });
    assert.ok(joined(stored).equals(Buffer.concat(expected)));
    assert.equal(memory.size, 10);
  });
});
