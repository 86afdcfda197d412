// Decides the shape of the synthetic "server" tree (/usr + /var + /etc look-alike) without
// touching the disk, so the layout is a pure function of (size, seed).
//
// Byte budget, roughly what a base system + some service data looks like:
//   20% many small text files (64 B-16 KiB: headers, sources, docs, configs; some empty)
//   25% medium files (64 KiB-2 MiB: logs, shared objects, compressed caches)
//   55% a few large binaries (8-64 MiB, capped at size/8), half random, half compressible
// plus nested directories, relative symlinks (to files and dirs, a few dangling), empty dirs.
import path from 'node:path';
import type { ContentKind } from './content.js';
import { Prng } from './prng.js';

export interface PlannedFile {
  path: string;
  size: number;
  content: ContentKind;
}
export interface PlannedLink {
  path: string;
  target: string;
}
export interface TreePlan {
  dirs: string[];
  files: PlannedFile[];
  links: PlannedLink[];
  totalBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Grows a directory subtree under `base`; new files mostly land in recently made dirs, like real packages. */
class DirArea {
  readonly dirs: string[];
  constructor(
    readonly base: string,
    private readonly maxDepth: number,
  ) {
    this.dirs = [base];
  }
  place(prng: Prng, names: readonly string[], newDirChance: number, all: Set<string>): string {
    if (prng.chance(newDirChance)) {
      const parent = prng.pick(this.dirs);
      if (parent.split('/').length - this.base.split('/').length < this.maxDepth) {
        const dir = `${parent}/${prng.pick(names)}${prng.chance(0.3) ? `-${prng.range(1, 9)}.${prng.int(20)}` : ''}`;
        if (!all.has(dir)) {
          all.add(dir);
          this.dirs.push(dir);
          return dir;
        }
      }
    }
    const recent = Math.min(this.dirs.length, 6);
    return this.dirs[this.dirs.length - 1 - prng.int(recent)];
  }
}

interface FileClass {
  share: number;
  size: (prng: Prng) => number;
  choose: (prng: Prng) => { area: DirArea; content: ContentKind; ext: string };
}

export function planTree(totalBytes: number, seed: number, names: readonly string[]): TreePlan {
  const prng = new Prng(seed);
  const allDirs = new Set<string>();
  const area = (base: string, depth: number) => {
    for (let p = base; p !== '.'; p = path.posix.dirname(p)) allDirs.add(p);
    return new DirArea(base, depth);
  };
  const include = area('usr/include', 3);
  const src = area('usr/src', 5);
  const doc = area('usr/share/doc', 3);
  const etc = area('etc', 2);
  const lib = area('usr/lib', 3);
  const log = area('var/log', 2);
  const cache = area('var/cache', 3);
  const db = area('var/lib', 3);
  const areas = [include, src, doc, etc, lib, log, cache, db];

  const largeMax = Math.max(MiB, Math.min(64 * MiB, Math.floor(totalBytes / 8)));
  const largeMin = Math.min(8 * MiB, Math.floor(largeMax / 2));
  let largeCount = 0;
  const classes: FileClass[] = [
    {
      share: 0.2,
      size: (p) => (p.chance(0.03) ? 0 : p.logRange(64, 16 * KiB)),
      choose: (p) =>
        p.pick([
          { area: include, content: 'source' as const, ext: '.h' },
          { area: src, content: 'source' as const, ext: '.c' },
          { area: src, content: 'source' as const, ext: '.py' },
          { area: doc, content: 'source' as const, ext: '.txt' },
          { area: etc, content: 'source' as const, ext: '.conf' },
        ]),
    },
    {
      share: 0.25,
      size: (p) => p.logRange(64 * KiB, 2 * MiB),
      choose: (p) =>
        p.pick([
          { area: log, content: 'log' as const, ext: '.log' },
          { area: log, content: 'log' as const, ext: '.log' },
          { area: doc, content: 'source' as const, ext: '.html' },
          { area: lib, content: 'structured' as const, ext: '.so' },
          { area: lib, content: 'structured' as const, ext: '.so' },
          { area: cache, content: 'random' as const, ext: '.gz' },
        ]),
    },
    {
      share: 0.55,
      size: (p) => p.range(largeMin, largeMax),
      // Alternating keeps "half random, half compressible" exact even with 2-3 large files.
      choose: (p) =>
        largeCount++ % 2 === 0
          ? { area: cache, content: 'random' as const, ext: p.pick(['.img', '.tar.zst', '.jpg']) }
          : { area: db, content: 'structured' as const, ext: p.pick(['.db', '.ibd', '.a']) },
    },
  ];

  const files: PlannedFile[] = [];
  let planned = 0;
  classes.forEach((cls, i) => {
    // The last class takes whatever is left so the total is exact.
    const budget = i === classes.length - 1 ? totalBytes - planned : Math.floor(totalBytes * cls.share);
    let left = budget;
    while (left > 0) {
      const size = Math.min(cls.size(prng), left);
      const { area: a, content, ext } = cls.choose(prng);
      const dir = a.place(prng, names, cls.share < 0.25 ? 0.08 : 0.3, allDirs);
      files.push({ path: `${dir}/${prng.pick(names)}-${files.length}${ext}`, size, content });
      left -= size;
    }
    planned += budget;
  });

  const links: PlannedLink[] = [];
  const linkCount = Math.max(4, Math.floor(files.length / 50));
  const dirList = areas.flatMap((a) => a.dirs);
  for (let i = 0; i < linkCount; i++) {
    const at = prng.pick(dirList);
    const linkPath = `${at}/${prng.pick(names)}-link${i}`;
    const r = prng.int(100);
    let target: string;
    if (r < 80)
      target = path.posix.relative(at, prng.pick(files).path); // e.g. libfoo.so → libfoo.so.1.2
    else if (r < 95)
      target = path.posix.relative(at, prng.pick(dirList)) || '.'; // e.g. /var/run → /run
    else target = `../missing-${i}/${prng.pick(names)}`; // dangling, as leftovers of removed packages are
    links.push({ path: linkPath, target });
  }

  for (const d of ['var/empty', 'var/spool/cron', 'usr/local/share']) {
    for (let p = d; p !== '.'; p = path.posix.dirname(p)) allDirs.add(p);
  }
  // Parents before children, so mkdir needs no recursion and the order is stable.
  const dirs = [...allDirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  return { dirs, files, links, totalBytes };
}
