// Materialises a planned tree on disk, once: later runs with the same size, seed and
// generator version reuse it (the marker is written last, so an interrupted run regenerates).
import fs from 'node:fs';
import path from 'node:path';
import { ContentWriter } from './content.js';
import { Prng } from './prng.js';
import { planTree } from './tree-plan.js';

/** Bump when the plan or content changes, so cached trees from older harnesses are rebuilt. */
const GENERATOR_VERSION = 2;
/** Fixed timestamps keep the tar stream (and so output sizes) identical from run to run. */
const FIXED_MTIME = new Date('2024-06-01T00:00:00Z');

export interface TreeInfo {
  /** Directory to back up. */
  root: string;
  sizeMiB: number;
  seed: number;
  bytes: number;
  files: number;
  dirs: number;
  symlinks: number;
  generator: number;
}

export function ensureTree(workRoot: string, sizeMiB: number, seed: number, log: (m: string) => void): TreeInfo {
  const base = path.join(workRoot, `tree-${sizeMiB}mib-seed${seed}`);
  const markerPath = path.join(base, 'marker.json');
  const root = path.join(base, 'data');
  const cached = readMarker(markerPath);
  if (cached && cached.generator === GENERATOR_VERSION && cached.sizeMiB === sizeMiB && cached.seed === seed) {
    return { ...cached, root };
  }

  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const t0 = process.hrtime.bigint();
  const writer = new ContentWriter(seed);
  const plan = planTree(sizeMiB * 1024 * 1024, seed, writer.identifiers);
  log(`generating ${sizeMiB} MiB tree (${plan.files.length} files) in ${root}`);

  for (const d of plan.dirs) fs.mkdirSync(path.join(root, d));
  const contentPrng = new Prng(seed ^ 0x5eed);
  let written = 0;
  let nextReport = 0.25;
  for (const f of plan.files) {
    const p = path.join(root, f.path);
    const fd = fs.openSync(p, 'w', 0o644);
    try {
      writer.write(fd, f.content, f.size, contentPrng);
    } finally {
      fs.closeSync(fd);
    }
    fs.utimesSync(p, FIXED_MTIME, FIXED_MTIME);
    written += f.size;
    if (written >= plan.totalBytes * nextReport) {
      log(`  ${Math.round(nextReport * 100)}%`);
      nextReport += 0.25;
    }
  }
  for (const l of plan.links) {
    const p = path.join(root, l.path);
    fs.symlinkSync(l.target, p);
    fs.lutimesSync(p, FIXED_MTIME, FIXED_MTIME);
  }
  // Deepest first: creating entries bumps the parent's mtime, so parents are stamped last.
  for (const d of [...plan.dirs].reverse()) fs.utimesSync(path.join(root, d), FIXED_MTIME, FIXED_MTIME);
  fs.utimesSync(root, FIXED_MTIME, FIXED_MTIME);

  const info: TreeInfo = {
    root,
    sizeMiB,
    seed,
    bytes: plan.totalBytes,
    files: plan.files.length,
    dirs: plan.dirs.length,
    symlinks: plan.links.length,
    generator: GENERATOR_VERSION,
  };
  fs.writeFileSync(markerPath, JSON.stringify(info, null, 2));
  log(`  done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return info;
}

function readMarker(p: string): Omit<TreeInfo, 'root'> | null {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8')) as Omit<TreeInfo, 'root'>;
  } catch {
    return null;
  }
}
