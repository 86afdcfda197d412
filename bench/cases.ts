// What is measured: each case is a group of rows (permafrost and its peers) timed on the
// same tree; each row is one command run as a fresh child process per repetition.
import fs from 'node:fs';
import path from 'node:path';
import { agentBackupArgv, agentRestoreArgv, isAgentDataObject, type Codec } from './agent-cli.js';
import type { BenchConfig } from './config.js';
import { bytesUnder, resetDir } from './disk.js';
import { tarBzip2, tarCzf, tarPigz, tarXz, tarZstd, zstdUntar, type PeerOptions } from './peers.js';
import { runUntimed } from './shell.js';
import type { TreeInfo } from './tree.js';
import { RDIFF_CASES } from './rdiff-cases.js';
import { SWIFT_CASES } from './swift-cases.js';
import { STARTUP_CASES } from './startup-cases.js';

/** main: the mixed tree; rss: the 1 GiB mixed tree; rdiff: the rdiff corpus; single: one 1 GiB file; small: an 8 MiB mixed tree. */
export type TreeKind = 'main' | 'rss' | 'rdiff' | 'single' | 'small';

export const SEGMENT_SIZE_FOR_RSS = 32 * 1024 * 1024;
const BACKUP_NAME = 'bench';

export interface RowContext {
  cfg: BenchConfig;
  peer: PeerOptions;
  tree: TreeInfo;
  /** Emptied before every repetition; outputs go here. */
  scratch: string;
  /** Kept across repetitions: inputs a row builds once in `prepare` (e.g. an archive to restore). */
  fixtures: string;
}

export interface RowDef {
  id: string;
  label: string;
  tool: 'permafrost' | 'peer';
  op: 'backup' | 'restore' | 'diff' | 'start';
  /** Untimed, once before the repetitions. */
  prepare?(ctx: RowContext): void;
  command(ctx: RowContext): string[];
  /** Compressed bytes the run produced (backups only). */
  outputBytes?(ctx: RowContext): number;
  /** Untimed sanity check after each run, so a run that "succeeds" doing nothing cannot look fast. */
  verify?(ctx: RowContext): void;
}

export interface CaseDef {
  name: string;
  /** Selecting the group name on the command line selects every case of the group. */
  group?: string;
  title: string;
  tree: TreeKind;
  /** External commands the rows need, checked before anything runs. */
  tools: string[];
  /** Row the others' times are divided by in the "vs" column. */
  referenceRow?: string;
  /** Repetitions of this case when not BENCH_REPS (short commands need many to show a median). */
  reps?: number;
  rows: RowDef[];
}

const agentStore = (ctx: RowContext) => path.join(ctx.scratch, 'store');
const agentOutput = (ctx: RowContext) => bytesUnder(path.join(agentStore(ctx), 'data'), isAgentDataObject);
const peerOut = (ctx: RowContext) => path.join(ctx.scratch, 'out');
const peerOutput = (ctx: RowContext) => fs.statSync(peerOut(ctx)).size;

function agentBackupRow(codec: Codec, extra: { maxSegmentSize?: number; id?: string; label?: string; agentBin?: string } = {}): RowDef {
  return {
    id: extra.id ?? `permafrost-${codec}`,
    label: extra.label ?? `permafrost L0 ${codec} --threads 2`,
    tool: 'permafrost',
    op: 'backup',
    command: (ctx) =>
      agentBackupArgv(ctx.cfg, {
        store: agentStore(ctx),
        name: BACKUP_NAME,
        source: ctx.tree.root,
        compression: codec,
        threads: 2,
        maxSegmentSize: extra.maxSegmentSize,
        agentBin: extra.agentBin,
      }),
    outputBytes: agentOutput,
  };
}

/**
 * The agent's row, preceded by the same backup by another checkout's agent when BENCH_BEFORE
 * names one (built there with `npm ci && npm run build:ts`): a change is measured before and
 * after in one run, on one machine, its drift shared.
 */
function agentBackupRows(codec: Codec, extra: { maxSegmentSize?: number; id?: string; label?: string } = {}): RowDef[] {
  const now = agentBackupRow(codec, extra);
  const before = process.env.BENCH_BEFORE;
  if (!before) return [now];
  const old = agentBackupRow(codec, {
    ...extra,
    id: `before-${now.id}`,
    label: `before: ${now.label}`,
    agentBin: path.join(path.resolve(before), 'bin', 'permafrost-agent'),
  });
  return [{ ...old, tool: 'peer' }, now];
}

function peerBackupRow(id: string, label: string, build: (src: string, out: string, o: PeerOptions) => string[]): RowDef {
  return {
    id,
    label,
    tool: 'peer',
    op: 'backup',
    command: (ctx) => build(ctx.tree.root, peerOut(ctx), ctx.peer),
    outputBytes: peerOutput,
  };
}

function verifyRestoredBytes(ctx: RowContext): void {
  const got = bytesUnder(path.join(ctx.scratch, 'restored'));
  if (got !== ctx.tree.bytes) throw new Error(`restore wrote ${got} bytes of files, the tree has ${ctx.tree.bytes}`);
}

/** Restore destinations must exist and be empty for tar -C; the agent gets the same. */
function restoreDest(ctx: RowContext): string {
  const dest = path.join(ctx.scratch, 'restored');
  fs.mkdirSync(dest, { recursive: true });
  return dest;
}

export const CASES: CaseDef[] = [
  {
    name: 'zstd',
    title: 'L0 backup, zstd level 3, 2 threads',
    tree: 'main',
    tools: ['tar', 'zstd'],
    referenceRow: 'peer-tar-zstd',
    rows: [...agentBackupRows('zstd'), peerBackupRow('peer-tar-zstd', 'tar -cf - | zstd -T2 -3', tarZstd)],
  },
  {
    name: 'gzip',
    title: 'L0 backup, gzip level 6, 2 threads',
    tree: 'main',
    tools: ['tar', 'pigz', 'gzip'],
    referenceRow: 'peer-tar-pigz',
    rows: [
      ...agentBackupRows('gzip'),
      peerBackupRow('peer-tar-pigz', 'tar -cf - | pigz -p2', tarPigz),
      peerBackupRow('peer-tar-czf', 'tar -czf (single-threaded gzip)', tarCzf),
    ],
  },
  {
    name: 'bzip2',
    title: 'L0 backup, bzip2 level 9',
    tree: 'main',
    tools: ['tar', 'bzip2'],
    referenceRow: 'peer-tar-bzip2',
    rows: [agentBackupRow('bzip2'), peerBackupRow('peer-tar-bzip2', 'tar -cf - | bzip2 (single-threaded)', tarBzip2)],
  },
  {
    name: 'xz',
    title: 'L0 backup, xz level 6, 2 threads',
    tree: 'main',
    tools: ['tar', 'xz'],
    referenceRow: 'peer-tar-xz',
    rows: [agentBackupRow('xz'), peerBackupRow('peer-tar-xz', 'tar -cf - | xz -T2', tarXz)],
  },
  {
    name: 'restore',
    title: 'Restore of an L0 zstd backup',
    tree: 'main',
    tools: ['tar', 'zstd'],
    referenceRow: 'peer-zstd-untar',
    rows: [
      {
        id: 'permafrost-restore-zstd',
        label: 'permafrost restore (zstd L0)',
        tool: 'permafrost',
        op: 'restore',
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
        command: (ctx) =>
          agentRestoreArgv(ctx.cfg, {
            store: path.join(ctx.fixtures, 'store'),
            name: BACKUP_NAME,
            dest: restoreDest(ctx),
          }),
        verify: verifyRestoredBytes,
      },
      {
        id: 'peer-zstd-untar',
        label: 'zstd -dc | tar -x',
        tool: 'peer',
        op: 'restore',
        prepare: (ctx) => {
          resetDir(ctx.fixtures);
          runUntimed(tarZstd(ctx.tree.root, path.join(ctx.fixtures, 'archive.tar.zst'), { fsync: false }));
        },
        command: (ctx) => zstdUntar(path.join(ctx.fixtures, 'archive.tar.zst'), restoreDest(ctx)),
        verify: verifyRestoredBytes,
      },
    ],
  },
  {
    name: 'rss',
    title: `Peak RSS, L0 zstd backup with --max-segment-size ${SEGMENT_SIZE_FOR_RSS}`,
    tree: 'rss',
    tools: [],
    rows: agentBackupRows('zstd', {
      id: 'permafrost-rss',
      label: 'permafrost L0 zstd --threads 2 --max-segment-size 32MiB',
      maxSegmentSize: SEGMENT_SIZE_FOR_RSS,
    }),
  },
  ...RDIFF_CASES,
  ...SWIFT_CASES,
  ...STARTUP_CASES,
];
