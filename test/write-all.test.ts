// Whole-buffer file writes: every byte lands at its offset whatever the kernel accepts per
// call, no single write() exceeds MAX_WRITE, and a write that stores nothing is an error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MAX_WRITE, writeAll, writeAllAt } from '../src/bytes/write-all.js';
import { prng } from './helpers/tree.js';

/** A FileHandle that stores at most `accept` bytes per write into `into`, recording each request. */
function shortWriter(into: Buffer, accept: number, requests: number[]): FileHandle {
  return {
    async write(data: Buffer, offset: number, length: number, position: number) {
      requests.push(length);
      const n = Math.min(length, accept);
      data.copy(into, position, offset, offset + n);
      return { bytesWritten: n, buffer: data };
    },
  } as unknown as FileHandle;
}

describe('write-all', function () {
  it('writeAllAt stores every byte at its position through short writes, each request at most MAX_WRITE', async function () {
    const data = prng(3 * MAX_WRITE + 12_345, 5);
    const file = Buffer.alloc(data.length + 100);
    const requests: number[] = [];
    await writeAllAt(shortWriter(file, 200_000, requests), data, 100);
    assert.ok(file.subarray(100).equals(data));
    assert.ok(file.subarray(0, 100).equals(Buffer.alloc(100)));
    assert.ok(requests.length > 4 && requests.every((n) => n > 0 && n <= MAX_WRITE), `requests: ${requests.join(', ')}`);
  });

  it('writeAllAt rejects a write that stores nothing (instead of looping forever)', async function () {
    await assert.rejects(writeAllAt(shortWriter(Buffer.alloc(10), 0, []), Buffer.alloc(10, 1), 0), /stored 0 of 10 bytes/);
  });

  it('writeAll writes a buffer bigger than MAX_WRITE whole, to a real file', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-write-all-'));
    try {
      const data = prng(2 * MAX_WRITE + 777, 6);
      const fd = fs.openSync(path.join(dir, 'f'), 'w');
      try {
        assert.equal(writeAll(fd, data), data.length);
      } finally {
        fs.closeSync(fd);
      }
      assert.ok(fs.readFileSync(path.join(dir, 'f')).equals(data));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
