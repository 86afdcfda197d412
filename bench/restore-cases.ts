// `restore-tmpfs` and `restore-disk` (group `restore`): restore of the same tree by permafrost
// and by the tools a user would otherwise restore with, each from a backup made untimed in
// `prepare`: a zstd L0 of permafrost, a tar.zst, a restic 0.14 repository (format 2, its default
// zstd), a borg 1.2 repository (zstd, no encryption), a freezer-agent 13 backup (gzip: freezer
// 13 has no zstd). The same rows restore into tmpfs (the tools' own cost, no device under them)
// and onto BENCH_DIR's disk. The backups read stay on disk, warm in the page cache.
import fs from 'node:fs';
import path from 'node:path';
import { agentBackupArgv, agentRestoreArgv } from './agent-cli.js';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { bytesUnder, resetDir } from './disk.js';
import { tarZstd, zstdUntar } from './peers.js';
import { runUntimed, shellPipeline, shq } from './shell.js';

const BACKUP_NAME = 'bench';
/** Rounds of each restore case when BENCH_REPS is not set: its ratios are targets. */
export const RESTORE_ROUNDS = 5;

/** freezer-agent 13 insists on Keystone settings even for local storage; these are never contacted. */
const FREEZER_ENV = [
  'OS_AUTH_URL=http://127.0.0.1:5999/v3',
  'OS_USERNAME=x',
  'OS_PASSWORD=x',
  'OS_PROJECT_NAME=x',
  'OS_USER_DOMAIN_NAME=Default',
  'OS_PROJECT_DOMAIN_NAME=Default',
];

/** Restore destinations must exist and be empty for tar -C; every row gets the same. */
export function restoreDest(ctx: RowContext): string {
  const dest = path.join(ctx.scratch, 'restored');
  fs.mkdirSync(dest, { recursive: true });
  return dest;
}

export function verifyRestoredBytes(ctx: RowContext): void {
  const got = bytesUnder(path.join(ctx.scratch, 'restored'));
  if (got !== ctx.tree.bytes) throw new Error(`restore wrote ${got} bytes of files, the tree has ${ctx.tree.bytes}`);
}

const restoreRow = (row: Omit<RowDef, 'op' | 'verify'>): RowDef => ({ ...row, op: 'restore', verify: verifyRestoredBytes });

const permafrostRow = restoreRow({
  id: 'permafrost-restore-zstd',
  label: 'permafrost restore (zstd L0)',
  tool: 'permafrost',
  prepare: (ctx) => {
    resetDir(ctx.fixtures);
    runUntimed(
      agentBackupArgv(ctx.cfg, {
        store: path.join(ctx.fixtures, 'store'),
        name: BACKUP_NAME,
        source: ctx.tree.root,
        compression: 'zstd',
        threads: 2,
      }),
    );
  },
  command: (ctx) => agentRestoreArgv(ctx.cfg, { store: path.join(ctx.fixtures, 'store'), name: BACKUP_NAME, dest: restoreDest(ctx) }),
});

const zstdTarRow = restoreRow({
  id: 'peer-zstd-untar',
  label: 'zstd -dc | tar -x',
  tool: 'peer',
  prepare: (ctx) => {
    resetDir(ctx.fixtures);
    runUntimed(tarZstd(ctx.tree.root, path.join(ctx.fixtures, 'archive.tar.zst'), { fsync: false }));
  },
  command: (ctx) => zstdUntar(path.join(ctx.fixtures, 'archive.tar.zst'), restoreDest(ctx)),
});

/** restic wants a password; a fixed one in a file (0.14 has no --insecure-no-password). Its cache lives with the repository. */
const restic = (ctx: RowContext, ...args: string[]) => [
  'restic',
  ...args,
  '--repo',
  path.join(ctx.fixtures, 'repo'),
  '--password-file',
  path.join(ctx.fixtures, 'password'),
  '--cache-dir',
  path.join(ctx.fixtures, 'cache'),
  '--quiet',
];

const resticRow = restoreRow({
  id: 'peer-restic',
  label: 'restic restore latest (repo format 2, zstd auto)',
  tool: 'peer',
  requires: ['restic'],
  prepare: (ctx) => {
    resetDir(ctx.fixtures);
    fs.writeFileSync(path.join(ctx.fixtures, 'password'), 'permafrost-bench\n');
    runUntimed(restic(ctx, 'init', '--repository-version', '2'));
    // From inside the tree with `.`, so the snapshot holds the tree's entries at its root, as the other rows restore them.
    runUntimed(shellPipeline(`cd ${shq(ctx.tree.root)} && ${restic(ctx, 'backup', '--compression', 'auto', '.').map(shq).join(' ')}`));
  },
  command: (ctx) => restic(ctx, 'restore', 'latest', '--target', restoreDest(ctx)),
});

/** borg keeps its cache, keys and security records under BORG_BASE_DIR: the fixtures, not $HOME. */
const borgEnv = (ctx: RowContext) => `export BORG_BASE_DIR=${shq(path.join(ctx.fixtures, 'home'))}`;
const borgRepo = (ctx: RowContext) => path.join(ctx.fixtures, 'repo');

const borgRow = restoreRow({
  id: 'peer-borg',
  label: 'borg extract (borg 1.2, zstd level 3, no encryption)',
  tool: 'peer',
  requires: ['borg'],
  prepare: (ctx) => {
    resetDir(ctx.fixtures);
    runUntimed(
      shellPipeline(
        `${borgEnv(ctx)}; borg init -e none ${shq(borgRepo(ctx))} && cd ${shq(ctx.tree.root)} && borg create --compression zstd,3 ${shq(`${borgRepo(ctx)}::${BACKUP_NAME}`)} .`,
      ),
    );
  },
  // borg extracts into the current directory.
  command: (ctx) =>
    shellPipeline(`${borgEnv(ctx)}; cd ${shq(restoreDest(ctx))} && borg extract ${shq(`${borgRepo(ctx)}::${BACKUP_NAME}`)}`),
});

const freezer = (ctx: RowContext, ...args: string[]) => [
  'env',
  ...FREEZER_ENV,
  'freezer-agent',
  '--storage',
  'local',
  '--container',
  path.join(ctx.fixtures, 'store'),
  '--backup-name',
  BACKUP_NAME,
  '--quiet',
  ...args,
];

const freezerRow = restoreRow({
  id: 'peer-freezer-gzip',
  label: 'freezer-agent 13 restore (gzip L0: freezer 13 has no zstd)',
  tool: 'peer',
  requires: ['freezer-agent'],
  prepare: (ctx) => {
    resetDir(ctx.fixtures);
    runUntimed(freezer(ctx, '--action', 'backup', '--mode', 'fs', '--path-to-backup', ctx.tree.root, '--compression', 'gzip'));
  },
  command: (ctx) => freezer(ctx, '--action', 'restore', '--restore-abs-path', restoreDest(ctx)),
});

const ROWS = [permafrostRow, zstdTarRow, resticRow, borgRow, freezerRow];

export const RESTORE_CASES: CaseDef[] = [
  {
    name: 'restore-tmpfs',
    group: 'restore',
    inDefaultRun: true,
    title: 'Restore of the tree into tmpfs (BENCH_TMPFS)',
    tree: 'main',
    tools: ['tar', 'zstd'],
    referenceRow: 'peer-zstd-untar',
    defaultReps: RESTORE_ROUNDS,
    scratchOn: 'tmpfs',
    rows: ROWS,
  },
  {
    name: 'restore-disk',
    group: 'restore',
    inDefaultRun: true,
    title: 'Restore of the tree onto disk (BENCH_DIR)',
    tree: 'main',
    tools: ['tar', 'zstd'],
    referenceRow: 'peer-zstd-untar',
    defaultReps: RESTORE_ROUNDS,
    rows: ROWS,
  },
];
