import assert from 'node:assert/strict';
import { ChunkPool } from '../src/pipeline/chunk-pool.js';

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
