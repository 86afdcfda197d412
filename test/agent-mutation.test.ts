// Acceptance 1: L0 → mutate → L1 → mutate → L2 through the CLI; the latest restore is the final
// tree, --restore-from-date gives the L1 tree (helpers/mutation-suite.ts), per engine and codec.
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/tree.js';
import { mutationSuite } from './helpers/mutation-suite.js';

export { mutationSuite };

mutationSuite([], 'tar, gzip');
const passDir = tempDir('pf-pass-');
const passFile = path.join(passDir, 'pass');
fs.writeFileSync(passFile, 'correct horse battery staple\n');
after(() => fs.rmSync(passDir, { recursive: true, force: true }));
mutationSuite(['--compression', 'zstd', '--encrypt-pass-file', passFile], 'tar, zstd, encrypted');
mutationSuite(['--engine', 'rsync'], 'rsync, gzip');
mutationSuite(
  ['--engine', 'rsync', '--compression', 'xz', '--encrypt-pass-file', passFile, '--rsync-block-size', '512'],
  'rsync, xz, encrypted',
);
