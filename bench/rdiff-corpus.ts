// The rdiff benchmark's files, shaped like the reference measurements
// (bench/README.md, "The rdiff corpus"), generated deterministically:
//   base.bin   512 MiB repeating 3 MiB structured binary, 2 MiB text, 1 MiB random
//   new_a.bin  1% of the 4 KiB blocks overwritten with random bytes (scattered changes)
//   new_b.bin  100 inserts of 1..4096 random bytes at random offsets
//   new_c.bin  unrelated: 512 MiB of other random bytes
import fs from 'node:fs';
import path from 'node:path';
import { ContentWriter } from './content.js';
import { Prng } from './prng.js';
import type { TreeInfo } from './tree.js';

const MiB = 1024 * 1024;
const GENERATOR_VERSION = 1;
export const RDIFF_FILES = ['base.bin', 'new_a.bin', 'new_b.bin', 'new_c.bin'] as const;

function writeBase(file: string, size: number, seed: number): void {
  const writer = new ContentWriter(seed);
  const prng = new Prng(seed ^ 0xba5e);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < size;) {
      for (const [kind, n] of [
        ['structured', 3 * MiB],
        ['source', 1 * MiB],
        ['log', 1 * MiB],
        ['random', 1 * MiB],
      ] as const) {
        const take = Math.min(n, size - written);
        if (take <= 0) break;
        writer.write(fd, kind, take, prng);
        written += take;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function randomBytes(prng: Prng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  prng.fill(b);
  return b;
}

function writeScattered(base: Buffer, file: string, prng: Prng): void {
  const out = Buffer.from(base);
  const blocks = Math.floor(out.length / 4096);
  const chosen = new Set<number>();
  while (chosen.size < Math.round(blocks / 100)) chosen.add(prng.int(blocks));
  for (const b of chosen) prng.fill(out.subarray(b * 4096, (b + 1) * 4096));
  fs.writeFileSync(file, out);
}

function writeInserted(base: Buffer, file: string, prng: Prng): void {
  const offsets = Array.from({ length: 100 }, () => prng.int(base.length)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const off of offsets) {
    parts.push(base.subarray(at, off), randomBytes(prng, 1 + prng.int(4096)));
    at = off;
  }
  parts.push(base.subarray(at));
  fs.writeFileSync(file, Buffer.concat(parts));
}

function writeUnrelated(file: string, size: number, prng: Prng): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= MiB) fs.writeSync(fd, randomBytes(prng, Math.min(MiB, left)));
  } finally {
    fs.closeSync(fd);
  }
}

export function ensureRdiffCorpus(workRoot: string, sizeMiB: number, seed: number, log: (m: string) => void): TreeInfo {
  const root = path.join(workRoot, `rdiff-${sizeMiB}mib-seed${seed}`);
  const marker = path.join(root, 'marker.json');
  const info: TreeInfo = {
    root,
    sizeMiB,
    seed,
    bytes: sizeMiB * MiB,
    files: RDIFF_FILES.length,
    dirs: 0,
    symlinks: 0,
    generator: GENERATOR_VERSION,
  };
  try {
    const cached = JSON.parse(fs.readFileSync(marker, 'utf8')) as TreeInfo;
    if (cached.generator === GENERATOR_VERSION && cached.sizeMiB === sizeMiB && cached.seed === seed) return info;
  } catch {
    /* not generated yet */
  }
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  log(`generating the rdiff corpus (${sizeMiB} MiB files) in ${root}`);
  const basePath = path.join(root, 'base.bin');
  writeBase(basePath, sizeMiB * MiB, seed);
  const base = fs.readFileSync(basePath);
  writeScattered(base, path.join(root, 'new_a.bin'), new Prng(seed + 2));
  writeInserted(base, path.join(root, 'new_b.bin'), new Prng(seed + 4));
  writeUnrelated(path.join(root, 'new_c.bin'), sizeMiB * MiB, new Prng(seed + 3));
  fs.writeFileSync(marker, JSON.stringify(info, null, 2));
  return info;
}
