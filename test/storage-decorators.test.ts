// Retries, bandwidth limits and the multiple-storage fan-out, over local stores with faults
// injected at the ObjectStore boundary (the servers' own faults are in the backend suites).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStore } from '../src/storage/local.js';
import { ObjectStore, StorageFault, isStorageFault, readObject } from '../src/storage/storage.js';
import { composeStorage } from '../src/storage/compose.js';
import { TokenBucket } from '../src/storage/bandwidth.js';
import { prng, tempDir } from './helpers/tree.js';

const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

/** Fails the first `failures` calls of each named operation with the given fault. */
function flaky(store: ObjectStore, failures: number, fault: 'retryable' | 'permanent', calls: string[]): ObjectStore {
  const left = new Map<string, number>();
  const maybeFail = (op: string) => {
    calls.push(op);
    const n = left.get(op) ?? failures;
    left.set(op, n - 1);
    if (n > 0) throw new StorageFault(fault, `${store.name}: injected ${fault} fault in ${op}`);
  };
  return {
    name: store.name,
    minPartSize: 1,
    putObject: async (p, d) => {
      maybeFail('putObject');
      return store.putObject(p, d);
    },
    openUpload: async (p) => {
      const u = await store.openUpload(p);
      return {
        putPart: async (i, off, d) => {
          maybeFail(`putPart${i}`);
          return u.putPart(i, off, d);
        },
        complete: (n, s) => u.complete(n, s),
        abort: () => u.abort(),
      };
    },
    get: async function* (p, offset = 0) {
      // Breaks the stream once, after its first chunk: a retry must resume, not restart.
      let first = true;
      for await (const c of store.get(p, offset)) {
        yield c.subarray(0, 1000);
        if (first && (left.get('get') ?? failures) > 0) {
          left.set('get', 0);
          calls.push('get-broken');
          throw new StorageFault(fault, 'injected reset');
        }
        first = false;
        yield c.subarray(1000);
      }
    },
    list: (p) => store.list(p),
    stat: (p) => store.stat(p),
    remove: (p) => store.remove(p),
  };
}

async function* once(b: Buffer) {
  yield b;
}

describe('storage decorators', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('pf-decorators-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('retries retryable faults per part and resumes a broken read at the right byte', async () => {
    const calls: string[] = [];
    const storage = composeStorage([flaky(new LocalStore(dir), 2, 'retryable', calls)], { partSize: 10_000, queue: 2, retry: FAST_RETRY });
    const data = prng(35_000, 1);
    await storage.put('obj', () => once(data), { segmented: true });
    assert.equal(calls.filter((c) => c === 'putPart1').length, 3, 'two failures then success');
    assert.deepEqual(await readObject(storage, 'obj'), data);
    assert.ok(calls.includes('get-broken'));
  });

  it('gives up after the configured attempts, naming the storage; permanent faults are not retried', async () => {
    const calls: string[] = [];
    const storage = composeStorage([flaky(new LocalStore(dir), 99, 'retryable', calls)], { partSize: 10_000, queue: 1, retry: FAST_RETRY });
    await assert.rejects(
      storage.put('o', () => once(Buffer.from('x'))),
      (e: unknown) => isStorageFault(e) && /local:.*failed after 4 attempts/.test((e as Error).message),
    );
    assert.equal(calls.length, 4);
    const calls2: string[] = [];
    const perm = composeStorage([flaky(new LocalStore(dir), 99, 'permanent', calls2)], { partSize: 10_000, queue: 1, retry: FAST_RETRY });
    await assert.rejects(
      perm.put('o', () => once(Buffer.from('x'))),
      /injected permanent/,
    );
    assert.equal(calls2.length, 1);
    assert.equal(await new LocalStore(dir).stat('o'), null);
  });

  it('fans out to every storage; one failing storage fails the write and is named', async () => {
    const a = new LocalStore(path.join(dir, 'a'));
    const b = new LocalStore(path.join(dir, 'b'));
    const both = composeStorage([a, b], { partSize: 4096, queue: 2, retry: FAST_RETRY });
    const data = prng(50_000, 2);
    await both.put('d/data', () => once(data), { segmented: true });
    assert.deepEqual(await readObject(a, 'd/data'), data);
    assert.deepEqual(await readObject(b, 'd/data'), data);
    const broken = flaky(new LocalStore(path.join(dir, 'c')), 99, 'permanent', []);
    const mixed = composeStorage([a, broken], { partSize: 4096, queue: 2, retry: FAST_RETRY });
    await assert.rejects(
      mixed.put('e/data', () => once(data), { segmented: true }),
      (e: unknown) => /failed on 1 of 2 storages/.test((e as Error).message) && (e as Error).message.includes(path.join(dir, 'c')),
    );
    assert.equal(await a.stat('e/data'), null, 'the healthy storage does not publish a half-failed upload');
  });

  it('the token bucket holds a rate', async () => {
    const bucket = new TokenBucket(2_000_000, 100_000);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await bucket.take(50_000);
    const seconds = (performance.now() - t0) / 1000;
    // 1 MB at 2 MB/s with a 0.1 MB burst: 0.45 s; timers only ever fire late.
    assert.ok(seconds >= 0.43, `took ${seconds} s`);
  });
});
