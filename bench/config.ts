// Benchmark settings, read once from the environment so every module sees the same values
// and the report can echo exactly what was run.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchConfig {
  /** Size of the main "mixed" tree, MiB. */
  sizeMiB: number;
  /** Size of the tree used for the peak-RSS case, MiB. */
  rssMiB: number;
  /** Size of each file of the rdiff corpus. */
  rdiffMiB: number;
  /** Timed repetitions per row; the median is reported. */
  reps: number;
  /** BENCH_REPS was given: it then overrides a case's own default count (see CaseDef.defaultReps). */
  repsExplicit: boolean;
  /** PRNG seed of the tree generator: same seed + size ⇒ byte-identical tree. */
  seed: number;
  /** Parent of the cached trees and of the scratch outputs. */
  workRoot: string;
  /** A tmpfs directory for the restore-into-memory case (BENCH_TMPFS, default /dev/shm). */
  tmpfsRoot: string;
  repoRoot: string;
  /** The agent CLI under test. */
  agentBin: string;
  /** bench/ in the source tree (RESULTS.md is committed there by the team, raw output goes to bench/out/). */
  benchSrcDir: string;
  outDir: string;
  /** BENCH_PEER_FSYNC=1: peers fsync their output like the agent does (default: the plain pipelines). */
  peerFsync: boolean;
  /** Variables of this environment removed for every timed command (BENCH_KEEP_ENV=1: none). */
  droppedEnv: string[];
}

// Set on some machines (a TLS-inspecting proxy's CA), it makes every Node process parse the CA
// bundle at start-up: 60-90 ms each here, against 30-40 ms for all the rest of Node's start.
// No timed command speaks TLS (Swift is plain http on loopback), so it would only charge the
// Node-based rows for a cost of the machine, not of the tool.
const STARTUP_ONLY_ENV = ['NODE_EXTRA_CA_CERTS'];

/** The environment for timed commands: this one without `dropped`. */
export function commandEnv(dropped: readonly string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of dropped) delete env[name];
  return env;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function loadConfig(): BenchConfig {
  // dist/bench/config.js → repo root is two levels up; this holds both when run from dist
  // and if someone points node at a different build dir with the same shape.
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const benchSrcDir = path.join(repoRoot, 'bench');
  return {
    sizeMiB: positiveInt('BENCH_SIZE_MB', 500),
    rssMiB: positiveInt('BENCH_RSS_MB', 1024),
    rdiffMiB: positiveInt('BENCH_RDIFF_MB', 512),
    reps: positiveInt('BENCH_REPS', 3),
    repsExplicit: (process.env.BENCH_REPS ?? '') !== '',
    seed: positiveInt('BENCH_SEED', 20240601),
    workRoot: path.join(process.env.BENCH_DIR || os.tmpdir(), 'permafrost-bench'),
    tmpfsRoot: path.join(process.env.BENCH_TMPFS || '/dev/shm', 'permafrost-bench'),
    repoRoot,
    agentBin: process.env.BENCH_AGENT || path.join(repoRoot, 'bin', 'permafrost-agent'),
    benchSrcDir,
    outDir: path.join(benchSrcDir, 'out'),
    peerFsync: process.env.BENCH_PEER_FSYNC === '1',
    droppedEnv: process.env.BENCH_KEEP_ENV === '1' ? [] : STARTUP_ONLY_ENV.filter((name) => process.env[name] !== undefined),
  };
}
