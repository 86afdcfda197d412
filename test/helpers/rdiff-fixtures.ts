// Fixtures of the rdiff-compatibility tests: reproducible bytes, edited copies, and librsync's
// own `rdiff` (the peer every result is compared with).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Deterministic bytes (xorshift32, one byte per step), so failures reproduce. */
export function prng(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** `base` with `ins` put in place of `del` bytes at each offset (in order). */
export function edit(base: Buffer, edits: Array<[number, number, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const [off, del, ins] of edits) {
    parts.push(base.subarray(at, off), ins);
    at = off + del;
  }
  parts.push(base.subarray(at));
  return Buffer.concat(parts);
}

/** librsync's `rdiff` with `argv` (and `input` on stdin); its stdout. Fails the test naming the command and rdiff's message. */
export function rdiff(argv: string[], input?: Buffer): Buffer {
  const r = spawnSync('rdiff', argv, { input, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `rdiff ${argv.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}
