// Deterministic edits of a copy of a generated tree, standing for the changes between two
// backups of a chain: about 10% of the files rewritten in place (a block of new bytes, same
// size), 1% deleted, 1% as many new files added. Same tree, seed and round ⇒ the same edits.
import fs from 'node:fs';
import path from 'node:path';
import { Prng } from './prng.js';

const REWRITE_SHARE = 0.1;
const DELETE_SHARE = 0.01;
const ADD_SHARE = 0.01;
const REWRITE_BLOCK = 4096;
const MAX_ADDED_BYTES = 256 * 1024;

/** Regular files under root, relative, in a fixed order (readdir's order depends on the file system). */
function filesUnder(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** Edits the tree at root in place; `round` (1, 2, ...) picks a different set of edits each time. */
export function editTree(root: string, seed: number, round: number): { rewritten: number; deleted: number; added: number } {
  const prng = new Prng((seed ^ (round * 0x9e3779b1)) >>> 0);
  // Edited files get one fixed time per round: later than the tree's, so any change test sees them, and reproducible.
  const mtime = new Date(Date.UTC(2024, 6, round));
  const files = filesUnder(root);
  let rewritten = 0;
  let deleted = 0;
  const block = Buffer.alloc(REWRITE_BLOCK);
  for (const rel of files) {
    const p = path.join(root, rel);
    if (prng.chance(DELETE_SHARE)) {
      fs.rmSync(p);
      deleted++;
    } else if (prng.chance(REWRITE_SHARE)) {
      const size = fs.statSync(p).size;
      if (size === 0) continue;
      const len = Math.min(REWRITE_BLOCK, size);
      prng.fill(block);
      const fd = fs.openSync(p, 'r+');
      try {
        fs.writeSync(fd, block, 0, len, prng.int(size - len + 1));
      } finally {
        fs.closeSync(fd);
      }
      fs.utimesSync(p, mtime, mtime);
      rewritten++;
    }
  }
  const dirs = [...new Set(files.map((f) => path.dirname(f)))].sort();
  const added = Math.ceil(files.length * ADD_SHARE);
  for (let i = 0; i < added; i++) {
    const p = path.join(root, prng.pick(dirs), `added-r${round}-${i}.bin`);
    const data = Buffer.alloc(prng.logRange(1, MAX_ADDED_BYTES));
    prng.fill(data);
    fs.writeFileSync(p, data);
    fs.utimesSync(p, mtime, mtime);
  }
  return { rewritten, deleted, added };
}
