// What is measured: each case is a group of rows (permafrost and its peers) timed on the
// same tree; each row is one command run as a fresh child process per repetition.
import fs from 'node:fs';
import path from 'node:path';
import { agentBackupArgv, isAgentDataObject, type Codec } from './agent-cli.js';
import type { BenchConfig } from './config.js';
import { bytesUnder } from './disk.js';
import { tarBzip2, tarCzf, tarPigz, tarXz, tarZstd, type PeerOptions } from './peers.js';
import type { TreeInfo } from './tree.js';
import { CHAIN_CASES } from './chain-cases.js';
import { RDIFF_CASES } from './rdiff-cases.js';
import { RESTORE_CASES, RESTORE_ROUNDS } from './restore-cases.js';
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
  /** Commands the row needs beyond the case's tools: when one is missing the row is skipped, with the reason printed. */
  requires?: string[];
  /** Untimed, once before the repetitions. */
  prepare?(ctx: RowContext): void;
  command(ctx: RowContext): string[];
  /** Compressed bytes the run produced (backups only). */
  outputBytes?(ctx: RowContext): number;
  /** Untimed sanity check after each run, so a run that "succeeds" doing nothing cannot look fast. */
  verify?(ctx: RowContext): void;
  /** File bytes the row reads or writes, after `prepare`, when not the tree's (e.g. an edited copy of it). */
  inputBytes?(ctx: RowContext): number;
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
  /** Repetitions when BENCH_REPS is not set (BENCH_REPS, when set, wins): cases whose ratios are targets want more rounds. */
  defaultReps?: number;
  /** Where the rows' outputs go: BENCH_DIR's disk (default) or BENCH_TMPFS (a restore into memory). */
  scratchOn?: 'disk' | 'tmpfs';
  /** A case of a group that the default run (no case named) still includes. */
  inDefaultRun?: boolean;
  rows: RowDef[];
}

const agentStore = (ctx: RowContext) => path.join(ctx.scratch, 'store');
const agentOutput = (ctx: RowContext) => bytesUnder(path.join(agentStore(ctx), 'data'), isAgentDataObject);
const peerOut = (ctx: RowContext) => path.join(ctx.scratch, 'out');
const peerOutput = (ctx: RowContext) => fs.statSync(peerOut(ctx)).size;

interface AgentRowOptions {
  maxSegmentSize?: number;
  engine?: 'tar' | 'rsync';
  id?: string;
  label?: string;
  agentBin?: string;
}

function agentBackupRow(codec: Codec, extra: AgentRowOptions = {}): RowDef {
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
        engine: extra.engine,
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
  ...RESTORE_CASES,
  ...CHAIN_CASES,
  {
    name: 'rsync-l0',
    title: 'L0 backup, zstd, 2 threads: rsync engine vs tar engine',
    tree: 'main',
    tools: [],
    referenceRow: 'permafrost-tar-zstd',
    defaultReps: RESTORE_ROUNDS,
    rows: [
      agentBackupRow('zstd', { engine: 'tar', id: 'permafrost-tar-zstd', label: 'permafrost L0 --engine tar, zstd --threads 2' }),
      agentBackupRow('zstd', { engine: 'rsync', id: 'permafrost-rsync-zstd', label: 'permafrost L0 --engine rsync, zstd --threads 2' }),
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
