// Shape of the raw results (bench/out/results.json) shared by the runner and the reports.
import type { MachineFacts } from './machine.js';
import type { Sample } from './measure.js';
import type { Summary } from './stats.js';
import type { TreeInfo } from './tree.js';

export interface RowResult {
  id: string;
  label: string;
  tool: 'permafrost' | 'peer';
  op: 'backup' | 'restore' | 'diff' | 'start';
  samples: Sample[];
  /** Absent when no repetition succeeded. */
  summary?: Summary;
  /** Bytes of the tree read (backup) or written (restore). */
  inputBytes: number;
  outputBytes?: number;
  /** Tree MiB per second of median wall time. */
  mibPerS?: number;
  /** Tree bytes / output bytes. */
  compressionRatio?: number;
  /** This row's median wall time / the case's reference row's. */
  timeVsReference?: number;
  /** Why the row did not run (a tool that is not installed); not a failure. */
  skipped?: string;
  /** One line, for the report. */
  error?: string;
  /** Command line and stderr of the failure. */
  errorDetail?: string;
}

export interface CaseResult {
  name: string;
  title: string;
  /** When this case ran: a report keeps the latest result of every case, from several runs. */
  measuredAt?: string;
  referenceRow?: string;
  tree: TreeInfo;
  rows: RowResult[];
}

export interface TargetResult {
  name: string;
  measured?: number;
  limit: number;
  /** x: time ratio (lower is better); speedup: throughput ratio (higher is better). */
  unit: 'x' | 'speedup' | 'MiB';
  verdict: 'PASS' | 'MISS' | 'n/a';
  note: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: MachineFacts;
  settings: {
    reps: number;
    seed: number;
    sizeMiB: number;
    rssMiB: number;
    rdiffMiB: number;
    peerFsync: boolean;
    /** Absent in results written before it existed. */
    droppedEnv?: string[];
    cases: string[];
    /** The case names given on the command line ([] = all). */
    argv: string[];
  };
  cases: CaseResult[];
  targets: TargetResult[];
}
