// The one conformance suite every storage backend passes (docs/ARCHITECTURE.md §6). A backend test file
// calls `storageConformance('ssh', open)` where `open` returns a fresh, empty container.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../../src/storage/storage.js';
import { StorageFault, decorate, isStorageFault, readObject } from '../../src/storage/storage.js';
import { LOCK_DIR, lockWithObjects, thisHolder, type LockHolder } from '../../src/storage/lock.js';
import { withRetry } from '../../src/storage/retry.js';
import { composeStorage } from '../../src/storage/compose.js';
import { prng } from './tree.js';

export interface OpenedStore {
  store: ObjectStore;
  /** Removes the container and closes connections. */
  cleanup(): Promise<void>;
}

async function* chunked(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    yield data.subarray(at, at + n);
    at += n;
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function expectFault(p: Promise<unknown>, kind: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStorageFault(err), `expected a StorageFault, got ${String(err)}`);
    assert.equal(err.fault, kind, err.message);
    return true;
  });
}

async function expectNotFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStorageFault(err), `expected a StorageFault, got ${String(err)}`);
    assert.equal(err.fault, 'not-found');
    return true;
  });
}

export function storageConformance(label: string, open: () => Promise<OpenedStore>, opts: { partSize?: number } = {}): void {
  const partSize = opts.partSize ?? 64 * 1024;
  describe(`storage conformance: ${label}`, function () {
    this.timeout(120_000);
    let opened: OpenedStore;
    let store: ObjectStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it('puts and gets whole objects, empty ones included, and stats their size', async () => {
      const data = prng(100_000, 1);
      await store.putObject('a/b/obj', data);
      await store.putObject('a/empty', Buffer.alloc(0));
      assert.equal(sha(await readObject(store, 'a/b/obj')), sha(data));
      assert.equal((await readObject(store, 'a/empty')).length, 0);
      assert.deepEqual(await store.stat('a/b/obj'), { size: data.length });
      assert.deepEqual(await store.stat('a/empty'), { size: 0 });
    });

    it('never replaces an object: a second put is an exists fault and the first stays; overwrite replaces', async () => {
      await store.putObject('x', Buffer.from('first version'));
      await expectFault(store.putObject('x', Buffer.from('second')), 'exists');
      assert.equal((await readObject(store, 'x')).toString(), 'first version');
      await store.putObject('x', Buffer.from('second'), { overwrite: true });
      assert.equal((await readObject(store, 'x')).toString(), 'second');
    });

    it('does not start an upload onto an existing object, nor publish one onto a name taken meanwhile', async () => {
      await store.putObject('taken/obj', Buffer.from('theirs'));
      await expectFault(store.openUpload('taken/obj'), 'exists');
      const u = await store.openUpload('later/obj');
      await u.putPart(0, 0, prng(1000, 7));
      await store.putObject('later/obj', Buffer.from('theirs, first'));
      await expectFault(u.complete(1, 1000), 'exists');
      await u.abort();
      assert.equal((await readObject(store, 'later/obj')).toString(), 'theirs, first');
    });

    it('a put retried after a lost answer finds its own object and succeeds', async () => {
      let calls = 0;
      const lossy = decorate(store, {
        putObject: async (p, d, o) => {
          calls += 1;
          await store.putObject(p, d, o);
          if (calls === 1) throw new StorageFault('retryable', 'the answer was lost');
        },
      });
      await withRetry(lossy, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }).putObject('lost/answer', Buffer.from('mine'));
      assert.equal(calls, 2);
      assert.equal((await readObject(store, 'lost/answer')).toString(), 'mine');
    });

    it('reads from an offset', async () => {
      const data = prng(300_000, 2);
      await store.putObject('ranged', data);
      assert.equal(sha(await readObject({ get: (p) => store.get(p, 123_457) }, 'ranged')), sha(data.subarray(123_457)));
    });

    it('reports a missing object as not-found, on get and as null on stat', async () => {
      await expectNotFound(readObject(store, 'no/such/object'));
      assert.equal(await store.stat('no/such/object'), null);
    });

    it('lists immediate children, objects and prefixes, sorted; [] for an absent prefix', async () => {
      for (const p of ['m/2_200/metadata', 'm/1_100/metadata', 'm/1_100/extra', 'm/top', 'n/other']) {
        await store.putObject(p, Buffer.from(p));
      }
      assert.deepEqual(await store.list('m'), ['1_100', '2_200', 'top']);
      assert.deepEqual(await store.list('m/1_100'), ['extra', 'metadata']);
      assert.deepEqual(await store.list('absent'), []);
      assert.deepEqual(await store.list('m/1'), [], 'a prefix is a path component, not a string prefix');
    });

    it('removes an object, a whole prefix, and treats absent as done', async () => {
      for (const p of ['r/a/1', 'r/a/2', 'r/b', 'keep/me']) await store.putObject(p, Buffer.from(p));
      await store.remove('r/b');
      assert.equal(await store.stat('r/b'), null);
      await store.remove('r/a');
      assert.deepEqual(await store.list('r'), []);
      await store.remove('r/never');
      assert.equal((await readObject(store, 'keep/me')).toString(), 'keep/me');
    });

    it('uploads in parts (out of order, concurrently) and publishes only on complete', async () => {
      const size = Math.max(partSize, store.minPartSize);
      const data = prng(size * 3 + 1234, 3);
      const u = await store.openUpload('parts/obj');
      const parts = [0, 1, 2, 3].map((i) => data.subarray(i * size, (i + 1) * size));
      await Promise.all([3, 1, 0, 2].map((i) => u.putPart(i, i * size, parts[i])));
      assert.equal(await store.stat('parts/obj'), null, 'invisible before complete');
      await u.complete(4, data.length);
      assert.equal(sha(await readObject(store, 'parts/obj')), sha(data));
      assert.deepEqual(await store.stat('parts/obj'), { size: data.length });
    });

    it('an aborted upload leaves no object', async () => {
      const u = await store.openUpload('aborted/obj');
      await u.putPart(0, 0, prng(1000, 4));
      await u.abort();
      assert.equal(await store.stat('aborted/obj'), null);
    });

    it('rejects paths that escape the container', async () => {
      for (const bad of ['../x', '/abs', 'a/../b', 'a//b', '']) {
        await assert.rejects(store.putObject(bad, Buffer.from('x')), Error, bad);
      }
    });

    it('composed: streams a segmented object of many parts and a small whole one', async () => {
      const storage = composeStorage([store], { partSize: Math.max(partSize, store.minPartSize), queue: 3 });
      const data = prng(Math.max(partSize, store.minPartSize) * 4 + 777, 5);
      await storage.put('seg/data', () => chunked(data, [1000, 65_537, 7]), { segmented: true });
      await storage.put('seg/meta', () => chunked(Buffer.from('{"x":1}'), [3]));
      assert.equal(sha(await readObject(storage, 'seg/data')), sha(data));
      assert.equal((await readObject(storage, 'seg/meta')).toString(), '{"x":1}');
      // One segmented object per directory (Swift keeps its segments in `<dir>/segments/`).
      await storage.put('seg-empty/empty', () => chunked(Buffer.alloc(0), [1]), { segmented: true });
      assert.equal((await readObject(storage, 'seg-empty/empty')).length, 0);
      assert.equal(sha(await readObject(storage, 'seg/data')), sha(data), 'the first object is intact');
    });

    it('composed: a source that fails part-way leaves no object', async () => {
      const storage = composeStorage([store], { partSize: Math.max(partSize, store.minPartSize), queue: 2 });
      const failing = async function* () {
        yield prng(Math.max(partSize, store.minPartSize) * 2 + 5, 6);
        throw new Error('source broke');
      };
      await assert.rejects(storage.put('broken/data', failing, { segmented: true }), /source broke/);
      assert.equal(await storage.stat('broken/data'), null);
    });

    describe('locks', () => {
      const lockName = 'tar/h_chain';
      const holder = thisHolder('backup', 'conformance test');
      const locked = (holderText: RegExp) => (err: unknown) => {
        assert.equal((err as { exitCode?: number }).exitCode, 12, String(err));
        assert.match((err as Error).message, holderText);
        return true;
      };
      const storage = () => composeStorage([store], { partSize: Math.max(partSize, store.minPartSize), queue: 2 });

      it('is exclusive: a second taker fails at once naming the holder; after release it is free and nothing is left', async () => {
        const s = storage();
        const first = await s.lock(lockName, holder, 0);
        await assert.rejects(
          s.lock(lockName, holder, 0),
          locked(new RegExp(`locked by backup of conformance test \\(pid ${process.pid} on `)),
        );
        await first.release();
        const again = await s.lock(lockName, holder, 0);
        await again.release();
        assert.deepEqual(await store.list(LOCK_DIR), []);
        assert.deepEqual(await store.list(`${LOCK_DIR}/tar`), []);
      });

      it('a taker that may wait gets the lock once the holder lets go', async () => {
        const s = storage();
        const first = await s.lock(lockName, holder, 0);
        const letGo = setTimeout(() => {
          void first.release();
        }, 1500);
        const started = Date.now();
        const second = await s.lock(lockName, holder, 20_000);
        clearTimeout(letGo);
        assert.ok(Date.now() - started >= 1400, `waited only ${Date.now() - started} ms`);
        await second.release();
      });

      const foreign = (over: Partial<LockHolder & { refreshed: string; state: string }>) =>
        Buffer.from(
          JSON.stringify({
            host: 'elsewhere.example',
            pid: 4242,
            user: 'op',
            started: new Date().toISOString(),
            action: 'backup',
            program: 'permafrost-agent',
            state: 'held',
            refreshed: new Date().toISOString(),
            ...over,
          }),
        );

      it('lock objects: a live holder elsewhere blocks; a stale one (not refreshed for 30 min) or a dead process here does not, and is removed', async () => {
        await store.putObject(`${LOCK_DIR}/${lockName}/00000000000001-live`, foreign({}));
        await assert.rejects(lockWithObjects(store, { name: lockName, holder, waitMs: 0 }), locked(/pid 4242 on elsewhere\.example/));
        await store.remove(`${LOCK_DIR}/${lockName}/00000000000001-live`);
        const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
        await store.putObject(
          `${LOCK_DIR}/${lockName}/00000000000002-stale`,
          foreign({ refreshed: new Date(Date.now() - 31 * 60_000).toISOString() }),
        );
        await store.putObject(`${LOCK_DIR}/${lockName}/00000000000003-dead`, foreign({ host: os.hostname(), pid: Number(dead.stdout) }));
        const removed: string[] = [];
        const held = await lockWithObjects(store, { name: lockName, holder, waitMs: 0, onStale: (m) => removed.push(m) });
        assert.equal(removed.length, 2, removed.join('\n'));
        assert.match(removed.join('\n'), /stale lock .*00000000000002-stale of backup .*elsewhere\.example/);
        assert.match(removed.join('\n'), new RegExp(`00000000000003-dead of backup .*pid ${dead.stdout} on `));
        assert.equal((await store.list(`${LOCK_DIR}/${lockName}`)).length, 1, 'only our own lock is left');
        await held.release();
        assert.deepEqual(await store.list(`${LOCK_DIR}/${lockName}`), []);
      });
    });
  });
}
