// `npm run bench -- scheduler`: the scheduler's own overhead, apart from the agent's. 200 jobs
// at 1-second intervals on one daemon for 60 s (BENCH_SCHED_JOBS, BENCH_SCHED_SECONDS), each
// running a stand-in agent (a C program that notes its pid and when it began; named as one:
// the real agent's own cost is what the other cases measure). Measured: the scheduling lag of
// every run (its recorded start minus its due time, from the daemon's state store), when each
// stand-in actually began (matched by pid), and the daemon's resident memory, sampled every
// 200 ms. Goals (issue 17): lag p99 under 100 ms, RSS under 100 MB. The figures go into
// bench/RESULTS.md between the scheduler markers and into bench/out/scheduler.json.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JOBS = Number(process.env.BENCH_SCHED_JOBS ?? 200);
const SECONDS = Number(process.env.BENCH_SCHED_SECONDS ?? 60);
const log = (m: string) => process.stderr.write(`${m}\n`);

interface Lags {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function summary(values: number[]): Lags {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? NaN };
}

function writeJobs(jobs: string): void {
  fs.mkdirSync(jobs);
  const doc = { job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }], job_schedule: { schedule_interval: '1 seconds' } };
  for (let i = 0; i < JOBS; i++) fs.writeFileSync(path.join(jobs, `j${i}.conf`), JSON.stringify(doc));
}

/**
 * The stand-in agent: a C program (built here with the machine's cc) that appends its pid and
 * when it began to `starts`, and exits. A shell script costs a few ms of CPU per start itself,
 * which on 2 CPUs at 200 starts a second measured the shell, not the scheduler.
 */
function standInAgent(dir: string, starts: string): string {
  const source = path.join(dir, 'stand-in-agent.c');
  fs.writeFileSync(
    source,
    `/* A stand-in for permafrost-agent (bench/scheduler.ts): notes its pid and start time. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  FILE *f = fopen(${JSON.stringify(starts)}, "a");
  if (!f) return 1;
  fprintf(f, "%d %lld.%06ld\\n", (int)getpid(), (long long)t.tv_sec, t.tv_nsec / 1000);
  return fclose(f) != 0;
}
`,
  );
  const binary = path.join(dir, 'stand-in-agent');
  const r = spawnSync('cc', ['-O2', '-o', binary, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc could not build the stand-in agent: ${r.stderr}`);
  return binary;
}

export async function runSchedulerBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'pf-bench-sched-'));
  try {
    const jobs = path.join(dir, 'jobs');
    const state = path.join(dir, 'state');
    const starts = path.join(dir, 'starts');
    writeJobs(jobs);
    const standIn = standInAgent(dir, starts);
    const args = ['-n', '-f', jobs, '--state-dir', state, '--no-daemon', '--concurrent-jobs', String(JOBS), '--agent', standIn];
    log(`scheduler bench: ${JOBS} jobs every second for ${SECONDS} s`);
    const bin = path.join(ROOT, 'bin', 'permafrost-scheduler');
    // Started as an operator (or systemd) starts it: the program itself, with the Node flags of its #! line.
    const daemon = spawn(bin, [...args, '--log-file', path.join(dir, 'log'), 'start'], { stdio: 'inherit' });
    const samples: number[] = [];
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    while (Date.now() - started < SECONDS * 1000) {
      samples.push(rssMiB(daemon.pid!));
      await new Promise((r) => setTimeout(r, 200));
    }
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    const db = new Database(path.join(state, 'scheduler.db'), { readonly: true });
    type Row = { lag: number; due: number; pid: number | null; result: string };
    const rows = db.prepare('SELECT started_ms - due_ms AS lag, due_ms AS due, pid, result FROM runs WHERE catch_up = 0').all() as Row[];
    db.close();
    const began = new Map<number, number>();
    for (const line of fs.readFileSync(starts, 'utf8').trim().split('\n')) {
      const [pid, t] = line.split(' ');
      began.set(Number(pid), Math.round(Number(t) * 1000));
    }
    const agentLags = rows.flatMap((r) => (r.pid !== null && began.has(r.pid) ? [began.get(r.pid)! - r.due] : []));
    const result = {
      measuredAt: new Date().toISOString(),
      jobs: JOBS,
      seconds: SECONDS,
      cpus: os.cpus().length,
      agentThreads: process.env.PERMAFROST_SCHEDULER_AGENT_THREADS ?? 'default',
      runs: rows.length,
      failed: rows.filter((r) => r.result !== 'success').length,
      lagMs: summary(rows.map((r) => r.lag)),
      agentBeganMs: { ...summary(agentLags), runs: agentLags.length },
      rssMiB: { max: Math.max(...samples), median: summary(samples).p50 },
      goals: { lagP99Ms: 100, rssMiB: 100 },
    };
    fs.mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench', 'out', 'scheduler.json'), `${JSON.stringify(result, null, 2)}\n`);
    const ms = (l: Lags) => `${l.p50} ms | ${l.p90} ms | ${l.p99} ms | ${l.max} ms`;
    const md = [
      '<!-- scheduler:begin -->',
      '## Scheduler (`npm run bench -- scheduler`)',
      '',
      `${result.jobs} jobs at 1-second intervals on one daemon for ${result.seconds} s (\`--concurrent-jobs ${result.jobs}\`), each run a stand-in agent (a C program noting its pid and start time), ${result.cpus} CPUs, agent threads ${result.agentThreads}; measured ${result.measuredAt}.`,
      '',
      '| lag from the due time | runs | failed | p50 | p90 | p99 (goal < 100 ms) | max |',
      '|---|---|---|---|---|---|---|',
      `| run recorded as started | ${result.runs} | ${result.failed} | ${ms(result.lagMs)} |`,
      `| stand-in agent began | ${result.agentBeganMs.runs} | | ${ms(result.agentBeganMs)} |`,
      '',
      `Daemon RSS (goal < 100 MB): max ${result.rssMiB.max.toFixed(1)} MiB, median ${result.rssMiB.median.toFixed(1)} MiB (/proc/PID/status every 200 ms; about 45 MiB of it is the node binary and libraries mapped from disk).`,
      '<!-- scheduler:end -->',
    ].join('\n');
    const resultsFile = path.join(ROOT, 'bench', 'RESULTS.md');
    const old = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : '';
    const block = /<!-- scheduler:begin -->[\s\S]*<!-- scheduler:end -->/;
    fs.writeFileSync(resultsFile, block.test(old) ? old.replace(block, md) : `${old.trimEnd()}\n\n${md}\n`);
    process.stdout.write(`${md}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
