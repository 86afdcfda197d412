import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStore } from '../src/storage/local.js';
import { storageConformance } from './helpers/storage-conformance.js';
import { tempDir } from './helpers/tree.js';

storageConformance('local', async () => {
  const dir = tempDir('pf-local-store-');
  return {
    store: new LocalStore(path.join(dir, 'container')),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('local storage: objects published side by side', () => {
  it('stores every object when concurrent puts create the same new directories', async () => {
    const dir = tempDir('pf-local-race-');
    const store = new LocalStore(path.join(dir, 'container'));
    try {
      // A backup stores engine_metadata while its data is published: both under a new tree.
      for (let round = 0; round < 5; round++) {
        const names = Array.from({ length: 8 }, (_, i) => `data/tar/h_n/${round}/0_${round}/object-${i}`);
        await Promise.all(names.map((n, i) => store.putObject(n, Buffer.from(`object ${i}`))));
        for (const [i, n] of names.entries()) assert.equal(fs.readFileSync(path.join(dir, 'container', n), 'utf8'), `object ${i}`);
      }
      // Not part of Freezer's layout: the staging directory goes once the last put is done.
      assert.deepEqual(fs.readdirSync(path.join(dir, 'container')), ['data'], 'no staging left behind');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
