// A tree of one large file of PRNG bytes: what a storage benchmark backs up when it measures
// the upload path rather than the tree walk (a VM image, a database dump). Generated once and
// reused, like the other trees.
import fs from 'node:fs';
import path from 'node:path';
import { Prng } from './prng.js';
import type { TreeInfo } from './tree.js';

const MiB = 1024 * 1024;
const GENERATOR_VERSION = 1;

export function ensureSingleFile(workRoot: string, sizeMiB: number, seed: number, log: (m: string) => void): TreeInfo {
  const base = path.join(workRoot, `single-${sizeMiB}mib-seed${seed}`);
  const root = path.join(base, 'data');
  const marker = path.join(base, 'marker.json');
  const info: TreeInfo = { root, sizeMiB, seed, bytes: sizeMiB * MiB, files: 1, dirs: 0, symlinks: 0, generator: GENERATOR_VERSION };
  try {
    const cached = JSON.parse(fs.readFileSync(marker, 'utf8')) as TreeInfo;
    if (cached.generator === GENERATOR_VERSION && cached.sizeMiB === sizeMiB && cached.seed === seed) return info;
  } catch {
    /* not generated yet */
  }
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  log(`generating a ${sizeMiB} MiB single-file tree in ${root}`);
  const prng = new Prng(seed ^ 0x51e);
  const buf = Buffer.allocUnsafe(MiB);
  const fd = fs.openSync(path.join(root, 'image.bin'), 'w');
  try {
    for (let i = 0; i < sizeMiB; i++) {
      prng.fill(buf);
      fs.writeSync(fd, buf);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(marker, JSON.stringify(info, null, 2));
  return info;
}
