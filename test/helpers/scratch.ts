// A working directory for the stock tools the tests run: GNU tar makes its scratch directory
// for incremental renames (tar.XXXXXX) in the working directory even with -C, and would
// otherwise leave it in the repository. Made on first use, removed when the process exits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let dir: string | null = null;

export function scratchCwd(): string {
  if (dir === null) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-cwd-'));
    dir = made;
    process.once('exit', () => fs.rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}
