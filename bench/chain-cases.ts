// `restore-chain`: restoring a chain of three backups (L0 of the tree, L1 and L2 after two
// rounds of edits, tree-edit.ts) against restoring one L0 of the same final content, so the
// report shows what replaying the increments costs on top of the full restore. Both rows edit
// their own copy of the cached tree (never the cache itself) with the same deterministic edits.
// Restored into tmpfs, like restore-tmpfs.
import fs from 'node:fs';
import path from 'node:path';
import { agentBackupArgv, agentRestoreArgv } from './agent-cli.js';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { bytesUnder, resetDir } from './disk.js';
import { RESTORE_ROUNDS, restoreDest } from './restore-cases.js';
import { runUntimed, shellPipeline, shq } from './shell.js';
import { editTree } from './tree-edit.js';

const BACKUP_NAME = 'bench';
const EDIT_ROUNDS = 2;

const workTree = (ctx: RowContext) => path.join(ctx.fixtures, 'tree');
const store = (ctx: RowContext) => path.join(ctx.fixtures, 'store');

function backup(ctx: RowContext, incremental: boolean): void {
  runUntimed(
    agentBackupArgv(ctx.cfg, {
      store: store(ctx),
      name: BACKUP_NAME,
      source: workTree(ctx),
      compression: 'zstd',
      engine: 'tar',
      threads: 2,
      incremental,
    }),
  );
}

/** A copy of the cached tree, with its times, that this row may edit. */
function copyTree(ctx: RowContext): void {
  resetDir(ctx.fixtures);
  runUntimed(['cp', '-a', ctx.tree.root, workTree(ctx)]);
}

/** The levels of the stored backups, from the member directories `<level>_<time stamp>`. */
function storedLevels(ctx: RowContext): number[] {
  return fs
    .readdirSync(path.join(store(ctx), 'data'), { withFileTypes: true, recursive: true })
    .flatMap((e) => (e.isDirectory() ? (/^(\d+)_\d+$/.exec(e.name) ?? []).slice(1) : []))
    .map(Number)
    .sort((a, b) => a - b);
}

function expectLevels(ctx: RowContext, want: number[]): void {
  const got = storedLevels(ctx);
  if (got.join(',') !== want.join(',')) throw new Error(`the store holds levels [${got.join(', ')}], expected [${want.join(', ')}]`);
}

/** The restore must equal the final tree, content and all (deleted files gone, rewritten blocks new). */
function verifyFinalTree(ctx: RowContext): void {
  const restored = path.join(ctx.scratch, 'restored');
  const got = bytesUnder(restored);
  const want = bytesUnder(workTree(ctx));
  if (got !== want) throw new Error(`restore wrote ${got} bytes of files, the final tree has ${want}`);
  runUntimed(shellPipeline(`diff -r -q --no-dereference ${shq(workTree(ctx))} ${shq(restored)}`));
}

const chainRow = (row: Pick<RowDef, 'id' | 'label' | 'prepare'>): RowDef => ({
  ...row,
  tool: 'permafrost',
  op: 'restore',
  command: (ctx) => agentRestoreArgv(ctx.cfg, { store: store(ctx), name: BACKUP_NAME, dest: restoreDest(ctx) }),
  verify: verifyFinalTree,
  inputBytes: (ctx) => bytesUnder(workTree(ctx)),
});

export const CHAIN_CASES: CaseDef[] = [
  {
    name: 'restore-chain',
    group: 'restore',
    inDefaultRun: true,
    title: `Restore of an L0+L1+L2 chain (tar engine, zstd; ${EDIT_ROUNDS} rounds of edits) vs an L0 of the same final tree`,
    tree: 'main',
    tools: ['cp', 'diff'],
    referenceRow: 'permafrost-restore-final-l0',
    defaultReps: RESTORE_ROUNDS,
    // The ratio is about the work of replaying increments; this machine's disk writes would drown it in noise (restore-disk measures that).
    scratchOn: 'tmpfs',
    rows: [
      chainRow({
        id: 'permafrost-restore-chain',
        label: 'permafrost restore of L0+L1+L2 (latest)',
        prepare: (ctx) => {
          copyTree(ctx);
          backup(ctx, false);
          for (let round = 1; round <= EDIT_ROUNDS; round++) {
            editTree(workTree(ctx), ctx.cfg.seed, round);
            backup(ctx, true);
          }
          expectLevels(ctx, [0, 1, 2]);
        },
      }),
      chainRow({
        id: 'permafrost-restore-final-l0',
        label: 'permafrost restore of an L0 of the final tree',
        prepare: (ctx) => {
          copyTree(ctx);
          for (let round = 1; round <= EDIT_ROUNDS; round++) editTree(workTree(ctx), ctx.cfg.seed, round);
          backup(ctx, false);
          expectLevels(ctx, [0]);
        },
      }),
    ],
  },
];
