// Acceptance 3: freezer-agent 13 restores permafrost chains and permafrost restores
// freezer-agent chains (gzip, bzip2, xz; with and without encryption), byte-identical.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentOk, run } from './helpers/agent.js';
import { FREEZER_ENV, requireTool } from './helpers/tools.js';
import { makeSampleTree, mutate1, snapshotTree, tempDir, TreeSnapshot } from './helpers/tree.js';

function freezer(args: string[], work: string): void {
  const r = run('freezer-agent', [...args, '--log-file', path.join(work, 'freezer.log')], { env: FREEZER_ENV });
  if (r.status !== 0)
    throw new Error(
      `freezer-agent ${args.join(' ')} exited ${r.status}: ${r.stderr}\n${fs.readFileSync(path.join(work, 'freezer.log'), 'utf8').slice(-3000)}`,
    );
}

type Tool = 'permafrost' | 'freezer';

function backupWith(tool: Tool, args: string[], work: string): void {
  if (tool === 'freezer') freezer(['--action', 'backup', ...args], work);
  else agentOk(['--action', 'backup', ...args, '--quiet']);
}

function restoreWith(tool: Tool, args: string[], work: string): void {
  if (tool === 'freezer') freezer(['--action', 'restore', ...args], work);
  else agentOk(['--action', 'restore', ...args]);
}

describe('interoperability with freezer-agent 13', function () {
  before(() => requireTool('freezer-agent'));

  for (const [writer, reader] of [
    ['permafrost', 'freezer'],
    ['freezer', 'permafrost'],
  ] as [Tool, Tool][]) {
    for (const codec of ['gzip', 'bzip2', 'xz']) {
      for (const encrypted of [false, true]) {
        it(`${reader} restores a ${writer} L0+L1 chain (${codec}${encrypted ? ', encrypted' : ''})`, function () {
          const work = tempDir('pf-fz-');
          try {
            const src = path.join(work, 'src');
            makeSampleTree(src);
            fs.writeFileSync(path.join(work, 'pass'), 'freezer interop\n');
            const common = [
              '--mode',
              'fs',
              '--storage',
              'local',
              '--container',
              path.join(work, 'store'),
              '--backup-name',
              'fz',
              '--hostname',
              'node1',
              ...(encrypted ? ['--encrypt-pass-file', path.join(work, 'pass')] : []),
            ];
            backupWith(writer, [...common, '--path-to-backup', src, '--compression', codec], work);
            mutate1(src);
            backupWith(writer, [...common, '--path-to-backup', src, '--compression', codec], work);
            const expected: TreeSnapshot = snapshotTree(src);
            const dest = path.join(work, 'dest');
            restoreWith(reader, [...common, '--restore-abs-path', dest], work);
            assert.deepEqual(snapshotTree(dest), expected);
          } finally {
            fs.rmSync(work, { recursive: true, force: true });
          }
        });
      }
    }
  }
});
