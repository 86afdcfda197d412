// Assertions on storage failures shared by the backend suites.
import assert from 'node:assert/strict';
import { isStorageFault, StorageFault } from '../../src/storage/storage.js';

/** Awaits `p`, which must reject with a StorageFault; returns it. */
export async function fault(p: Promise<unknown>): Promise<StorageFault> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStorageFault(err), `expected a StorageFault, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the operation to fail');
}
