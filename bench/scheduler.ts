// `npm run bench -- scheduler`: the scheduler's own overhead, apart from the agent's. 200 jobs
// at 1-second intervals on one daemon for 60 s (BENCH_SCHED_JOBS, BENCH_SCHED_SECONDS), each
// running a stand-in agent (a shell script that exits 0; named as one: the real agent's own
// cost is what the other cases measure). Measured: the scheduling lag of every run (its start
// minus its due time, from the daemon's state store) and the daemon's resident memory, sampled
// every 200 ms. Goals (issue 17): lag p99 under 100 ms, RSS under 100 MB. The figures go into
// bench/RESULTS.md between the scheduler markers and into bench/out/scheduler.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JOBS = Number(process.env.BENCH_SCHED_JOBS ?? 200);
const SECONDS = Number(process.env.BENCH_SCHED_SECONDS ?? 60);
const log = (m: string) => process.stderr.write(`${m}\n`);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

export async function runSchedulerBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'pf-bench-sched-'));
  try {
    const jobs = path.join(dir, 'jobs');
    const state = path.join(dir, 'state');
    fs.mkdirSync(jobs);
    const standIn = path.join(dir, 'stand-in-agent.sh');
    fs.writeFileSync(standIn, '#!/bin/sh\n# A stand-in for permafrost-agent: the bench measures the scheduler alone.\nexit 0\n', {
      mode: 0o755,
    });
    for (let i = 0; i < JOBS; i++)
      fs.writeFileSync(
        path.join(jobs, `j${i}.conf`),
        JSON.stringify({
          job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
          job_schedule: { schedule_interval: '1 seconds' },
        }),
      );
    const args = ['-n', '-f', jobs, '--state-dir', state, '--no-daemon', '--concurrent-jobs', String(JOBS), '--agent', standIn];
    log(`scheduler bench: ${JOBS} jobs every second for ${SECONDS} s`);
    const daemon = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'permafrost-scheduler'), ...args, '--log-file', path.join(dir, 'log'), 'start'],
      {
        stdio: 'inherit',
      },
    );
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
    const rows = db.prepare('SELECT started_ms - due_ms AS lag, result FROM runs WHERE catch_up = 0').all() as {
      lag: number;
      result: string;
    }[];
    db.close();
    const lags = rows.map((r) => r.lag).sort((a, b) => a - b);
    const result = {
      measuredAt: new Date().toISOString(),
      jobs: JOBS,
      seconds: SECONDS,
      cpus: os.cpus().length,
      runs: rows.length,
      failed: rows.filter((r) => r.result !== 'success').length,
      lagMs: { p50: percentile(lags, 50), p90: percentile(lags, 90), p99: percentile(lags, 99), max: lags.at(-1) ?? NaN },
      rssMiB: { max: Math.max(...samples), median: [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] },
      goals: { lagP99Ms: 100, rssMiB: 100 },
    };
    fs.mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench', 'out', 'scheduler.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = [
      '<!-- scheduler:begin -->',
      '## Scheduler (`npm run bench -- scheduler`)',
      '',
      `${result.jobs} jobs at 1-second intervals on one daemon for ${result.seconds} s (\`--concurrent-jobs ${result.jobs}\`), each run a stand-in agent (a shell script that exits 0), ${result.cpus} CPUs; measured ${result.measuredAt}.`,
      '',
      '| runs | failed | lag p50 | lag p90 | lag p99 (goal < 100 ms) | lag max | daemon RSS max (goal < 100 MB) | RSS median |',
      '|---|---|---|---|---|---|---|---|',
      `| ${result.runs} | ${result.failed} | ${result.lagMs.p50} ms | ${result.lagMs.p90} ms | ${result.lagMs.p99} ms | ${result.lagMs.max} ms | ${result.rssMiB.max.toFixed(1)} MiB | ${result.rssMiB.median.toFixed(1)} MiB |`,
      '',
      "Lag: a run's start minus its due time, from the state store (catch-up runs left out). RSS: /proc/PID/status of the daemon, every 200 ms.",
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
