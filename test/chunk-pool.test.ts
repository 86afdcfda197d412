import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ChunkPool } from '../src/bytes/chunk-pool.js';
import { memberOutputSize } from '../src/codecs/index.js';
import { parallelCompress } from '../src/codecs/parallel.js';
import { spawnSync } from 'node:child_process';

describe('ChunkPool', () => {
  it('hands a given-back chunk out again, with its memory', () => {
    const pool = new ChunkPool(4096, 2);
    const a = pool.take();
    assert.equal(a.length, 4096);
    pool.give(a.subarray(0, 100));
    const b = pool.take();
    assert.equal(b.length, 4096, 'a view gives back the whole chunk');
    assert.equal(b.buffer, a.buffer, 'same memory');
    assert.notEqual(pool.take().buffer, a.buffer, 'taken chunks are not shared');
  });

  it('ignores foreign buffers, second gives of one chunk, and chunks beyond its spare count', () => {
    const pool = new ChunkPool(4096, 1);
    pool.give(Buffer.alloc(4096));
    assert.equal(pool.take().length, 4096);
    const a = pool.take();
    const b = pool.take();
    pool.give(a);
    pool.give(a);
    pool.give(b);
    assert.equal(pool.take().buffer, a.buffer);
    const next = pool.take();
    assert.notEqual(next.buffer, a.buffer, 'a was handed out once only');
    assert.notEqual(next.buffer, b.buffer, 'b was over the spare count and dropped');
  });

  it('reuses a chunk only when its last holder gives it back', () => {
    const pool = new ChunkPool(4096, 4);
    const a = pool.take();
    pool.hold(a.subarray(10));
    pool.hold(a);
    pool.give(a);
    pool.give(a.subarray(0, 1));
    assert.notEqual(pool.take().buffer, a.buffer, 'one holder is left');
    pool.give(a);
    assert.equal(pool.take().buffer, a.buffer, 'all holders gave it back');
    const foreign = Buffer.alloc(4096);
    pool.hold(foreign);
    pool.give(foreign);
    assert.notEqual(pool.take().buffer, foreign.buffer, 'foreign memory never enters the pool');
  });
});

describe('parallel compression into pooled outputs', () => {
  it("writes members into the pool's chunks, which come back once given, and decode to the input", async () => {
    const outputs = new ChunkPool(memberOutputSize(), 4);
    const input = Buffer.concat(Array.from({ length: 5 }, (_, i) => Buffer.alloc(1 << 20, `block ${i} `)));
    async function* chunks() {
      for (let at = 0; at < input.length; at += 1 << 20) yield input.subarray(at, at + (1 << 20));
    }
    const members: Buffer[] = [];
    const used = new Set<ArrayBufferLike>();
    for await (const m of parallelCompress('zstd', 3, 2, 1 << 20, chunks(), () => {}, outputs)) {
      assert.equal(m.buffer.byteLength, outputs.chunkSize, 'a member is a view of a pool chunk');
      used.add(m.buffer);
      members.push(Buffer.from(m));
      outputs.give(m);
    }
    assert.ok(
      spawnSync('zstd', ['-dc'], { input: Buffer.concat(members), maxBuffer: 64 << 20 }).stdout.equals(input),
      'zstd -d reads them',
    );
    // Given back as they came, chunks are reused: no more of them than the jobs in flight.
    assert.ok(used.size <= 3, `${used.size} chunks for 5 members`);
  });

  it("falls back to a fresh member when a block is bigger than the pool's chunks hold", async () => {
    const outputs = new ChunkPool(4096, 4);
    async function* one() {
      yield Buffer.alloc(1 << 20, 7);
    }
    for await (const m of parallelCompress('gzip', 6, 2, 1 << 20, one(), () => {}, outputs)) {
      assert.notEqual(m.buffer.byteLength, 4096);
      assert.ok(gunzipSync(m).equals(Buffer.alloc(1 << 20, 7)));
    }
  });
});
