// Entry point of `npm run bench [-- case ...]`: generates (or reuses) the trees, runs the
// selected cases, and writes bench/RESULTS.md, bench/out/results.json and bench/out/throughput.svg.
//
// Environment: BENCH_SIZE_MB (500), BENCH_RSS_MB (1024), BENCH_REPS (3; 5 for the restore and engine
// cases when unset), BENCH_DIR (os.tmpdir()), BENCH_TMPFS (/dev/shm),
// BENCH_SEED, BENCH_AGENT (agent bin), BENCH_PEER_FSYNC=1 (peers fsync their output like the agent),
// BENCH_KEEP_ENV=1 (keep NODE_EXTRA_CA_CERTS for the timed commands; see config.ts).
import fs from 'node:fs';
import path from 'node:path';
import { CASES, type CaseDef, type TreeKind } from './cases.js';
import { ensureRdiffCorpus } from './rdiff-corpus.js';
import { ensureSingleFile } from './single-file.js';
import { loadConfig } from './config.js';
import { machineFacts } from './machine.js';
import { renderMarkdown } from './report-md.js';
import { renderThroughputSvg } from './report-svg.js';
import type { BenchResults, CaseResult } from './results.js';
import { runCase } from './runner.js';
import { haveCommand } from './shell.js';
import { evaluateTargets } from './targets.js';
import { ensureTree, type TreeInfo } from './tree.js';

const log = (m: string) => process.stderr.write(`${m}\n`);
/** The tree of the start-up case's backup with nothing to store. */
const SMALL_TREE_MIB = 8;

function selectCases(args: readonly string[]): CaseDef[] {
  const names = args.filter((a) => a !== 'all');
  if (names.length === 0) return CASES.filter((c) => c.group === undefined || c.inDefaultRun); // groups are opt-in: big inputs
  const known = (n: string) => CASES.some((c) => c.name === n || c.group === n);
  const unknown = names.filter((n) => !known(n));
  if (unknown.length > 0) {
    const groups = [...new Set(CASES.flatMap((c) => (c.group ? [c.group] : [])))];
    throw new Error(
      `unknown case(s): ${unknown.join(', ')}; choose from: ${CASES.map((c) => c.name).join(' ')}, groups ${groups.join(' ')} (or all)`,
    );
  }
  return CASES.filter((c) => names.includes(c.name) || (c.group !== undefined && names.includes(c.group))); // canonical order
}

/** Fails before any long tree generation if a peer tool is missing, with the install line. */
function checkTools(cases: readonly CaseDef[]): void {
  const needed = new Set(['bash', 'sync', '/usr/bin/time', ...cases.flatMap((c) => c.tools)]);
  const missing = [...needed].filter((t) => !haveCommand(t));
  if (missing.length > 0) {
    const pkgs = missing.map((t) => (t === '/usr/bin/time' ? 'time' : t));
    throw new Error(`missing tools: ${missing.join(', ')} (Debian/Ubuntu: apt-get install -y ${pkgs.join(' ')})`);
  }
}

/**
 * The cases of this run, plus the latest earlier result of every case it did not run (from the
 * previous results.json), in the harness's case order: running one group never drops the
 * figures of the others from RESULTS.md. Each case says when it was measured.
 */
function withEarlierResults(fresh: CaseResult[], previousFile: string): CaseResult[] {
  let earlier: CaseResult[] = [];
  try {
    const prev = JSON.parse(fs.readFileSync(previousFile, 'utf8')) as BenchResults;
    earlier = prev.cases.map((c) => ({ ...c, measuredAt: c.measuredAt ?? prev.startedAt }));
  } catch {
    /* no earlier run */
  }
  const byName = new Map(earlier.map((c) => [c.name, c]));
  for (const c of fresh) byName.set(c.name, c);
  const order = CASES.map((d) => d.name);
  return [...byName.values()].filter((c) => order.includes(c.name)).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  const selected = selectCases(process.argv.slice(2));
  checkTools(selected);
  if (!fs.existsSync(cfg.agentBin)) log(`warning: agent ${cfg.agentBin} not found; its rows will fail`);

  const startedAt = new Date().toISOString();
  const machine = machineFacts(cfg.repoRoot);
  if (machine.loadAvgAtStart > machine.nproc * 0.25) {
    log(`warning: load average ${machine.loadAvgAtStart.toFixed(2)} on ${machine.nproc} CPUs; timings will be noisy`);
  }

  const trees = new Map<TreeKind, TreeInfo>();
  const treeFor = (kind: TreeKind) => {
    let t = trees.get(kind);
    if (!t) {
      t =
        kind === 'rdiff'
          ? ensureRdiffCorpus(cfg.workRoot, cfg.rdiffMiB, cfg.seed, log)
          : kind === 'single'
            ? ensureSingleFile(cfg.workRoot, cfg.rssMiB, cfg.seed, log)
            : ensureTree(cfg.workRoot, kind === 'main' ? cfg.sizeMiB : kind === 'small' ? SMALL_TREE_MIB : cfg.rssMiB, cfg.seed, log);
      trees.set(kind, t);
    }
    return t;
  };

  const fresh: CaseResult[] = [];
  for (const def of selected) {
    log(`case ${def.name}: ${def.title}`);
    fresh.push({ ...(await runCase(def, treeFor(def.tree), cfg, log)), measuredAt: new Date().toISOString() });
  }
  const cases = withEarlierResults(fresh, path.join(cfg.outDir, 'results.json'));

  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    settings: {
      reps: cfg.reps,
      seed: cfg.seed,
      sizeMiB: cfg.sizeMiB,
      rssMiB: cfg.rssMiB,
      rdiffMiB: cfg.rdiffMiB,
      peerFsync: cfg.peerFsync,
      droppedEnv: cfg.droppedEnv,
      cases: cases.map((c) => c.name),
      argv: process.argv.slice(2),
    },
    cases,
    targets: evaluateTargets(cases),
  };

  const markdown = renderMarkdown(results);
  fs.mkdirSync(cfg.outDir, { recursive: true });
  fs.writeFileSync(path.join(cfg.benchSrcDir, 'RESULTS.md'), markdown);
  fs.writeFileSync(path.join(cfg.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(cfg.outDir, 'throughput.svg'), renderThroughputSvg(results));
  process.stdout.write(markdown);
  log(
    `wrote ${path.join(cfg.benchSrcDir, 'RESULTS.md')}, ${path.join(cfg.outDir, 'results.json')}, ${path.join(cfg.outDir, 'throughput.svg')}`,
  );
}

// The scheduler's bench stands apart: it measures a daemon, not a backup.
const entry = process.argv[2] === 'scheduler' ? import('./scheduler.js').then((m) => m.runSchedulerBench()) : main();
entry.catch((e: unknown) => {
  log(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
