// The hand-over of segment MD5s from the digest stage to uploading parts (storage/part-md5s.ts).
import assert from 'node:assert/strict';
import { PartMd5s } from '../src/storage/part-md5s.js';

describe('segment MD5 hand-over', () => {
  const md5 = (n: number) => Buffer.alloc(16, n);

  it('answers a part that asks before or after its segment is hashed', async () => {
    const m = new PartMd5s(64);
    const early = m.of(1);
    m.resolve(0, md5(0));
    m.resolve(1, md5(1));
    assert.deepEqual(await early, md5(1));
    assert.deepEqual(await m.of(0), md5(0));
    assert.deepEqual(await m.of(1), md5(1), 'asked again (a retry)');
  });

  it('fails waiting and later parts with the stream error; the end fails parts that wait for nothing', async () => {
    const failing = new PartMd5s(64);
    failing.resolve(0, md5(0));
    const waiting = failing.of(3);
    failing.fail(new Error('read error'));
    await assert.rejects(waiting, /read error/);
    await assert.rejects(failing.of(4), /read error/);
    assert.deepEqual(await failing.of(0), md5(0), 'a known MD5 stays known');
    const ended = new PartMd5s(64);
    const orphan = ended.of(7);
    ended.end();
    await assert.rejects(orphan, /no segment 7/);
  });

  it('leaves no unhandled rejection behind for MD5s nobody awaits', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const m = new PartMd5s(64);
      void m.of(2);
      m.fail(new Error('nobody listens'));
      void m.of(5);
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
