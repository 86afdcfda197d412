// The scheduler's metrics in Prometheus' text format (docs/SCHEDULER.md, monitoring): the
// daemon's own gauges and, per job (label job_id only: a description is free text and would
// multiply series), when it last ran, how that went and when it runs next. Built from the
// state store's records on each scrape in a registry of its own, so the counters say what the
// store says (runs survive a restart) and a job that is gone leaves no series behind.
import { Counter, Gauge, Registry } from 'prom-client';
import type { JobRecord } from '../records.js';

/** The Content-Type of metricsText's output (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** A job whose next run is this late is overdue: jitter is already in nextRunMs, this covers a busy loop or a slow start. */
export const OVERDUE_GRACE_MS = 5 * 60_000;

export interface DaemonGauges {
  /** Jobs running now. */
  running: number;
  /** permafrost's version (the info metric's label). */
  version: string;
}

/** What permafrost_scheduler_jobs counts by: job_schedule.status, "new" before the first one, "invalid" for a refused document. */
const JOB_STATES = ['new', 'stop', 'scheduled', 'running', 'aborting', 'completed', 'removed', 'invalid'] as const;
const RUN_RESULTS = ['success', 'fail', 'aborted'] as const;

/** The metrics text for `jobs` at `nowMs`. */
export async function metricsText(
  jobs: readonly JobRecord[],
  daemon: DaemonGauges,
  nowMs: number,
  overdueGraceMs = OVERDUE_GRACE_MS,
): Promise<string> {
  const registry = new Registry();
  // prom-client puts a metric in its global registry unless told otherwise: always name ours.
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['job_id'], registers: [registry] });

  gauge('permafrost_scheduler_up', 'Always 1 while the scheduler answers: its absence is the alert.').set(1);
  gauge('permafrost_scheduler_info', "The scheduler's build: its version in a label, value 1.", ['version']).set(
    { version: daemon.version },
    1,
  );
  gauge('permafrost_scheduler_running_jobs', 'Jobs running now.').set(daemon.running);
  const byState = gauge(
    'permafrost_scheduler_jobs',
    'Jobs known to the scheduler by job_schedule.status ("new": none yet, "invalid": the document is refused).',
    ['state'],
  );
  const counts = new Map<string, number>(JOB_STATES.map((s) => [s, 0]));
  for (const job of jobs) {
    const state = stateOf(job);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  // Every state is listed, 0 included, so that a sum or a rate over it never sees a series vanish.
  for (const [state, n] of counts) byState.set({ state }, n);

  const perJob = (name: string, help: string) => gauge(name, help, ['job_id']);
  const lastRun = perJob('permafrost_job_last_run_timestamp_seconds', 'When the latest run started (Unix time).');
  const lastSuccess = perJob('permafrost_job_last_success_timestamp_seconds', 'When the latest successful run was (Unix time).');
  const lastDuration = perJob('permafrost_job_last_duration_seconds', 'How long the latest run took.');
  const lastBytes = perJob('permafrost_job_last_bytes', 'Bytes the latest run stored.');
  const lastLevel = perJob('permafrost_job_last_level', 'Backup level the latest run made (0: full).');
  // The result is a state set (one series per result, 1 for the latest, 0 for the others), not a
  // 1/0 success gauge: "aborted" stays apart from "fail" (an operator's abort is no failure to
  // page about), and all three series are there whatever happened, so
  // permafrost_job_last_result{result="success"} == 0 alerts without an absent() beside it.
  const lastResult = gauge('permafrost_job_last_result', 'The latest run ended so: 1 on its result, 0 on the others.', [
    'job_id',
    'result',
  ]);
  const runs = counter('permafrost_job_runs_total', 'Runs of the job (retries within a run count once).');
  const failures = counter('permafrost_job_failures_total', 'Runs of the job that failed.');
  const nextRun = perJob('permafrost_job_next_run_timestamp_seconds', 'When the next run starts, jitter included (Unix time).');
  const overdue = perJob('permafrost_job_overdue', `1 when the next run is more than ${overdueGraceMs / 1000} s late.`);
  const invalid = perJob('permafrost_job_invalid', '1 when the job document is refused (the job does not run), else 0.');

  for (const job of jobs) {
    const l = { job_id: job.jobId };
    // A value the store does not have (never ran, never backed up) is no series at all: a 0
    // would read as "1970" or "0 bytes" on a dashboard.
    setIf(lastRun, l, seconds(job.lastStartMs));
    setIf(lastSuccess, l, seconds(job.lastSuccessMs));
    setIf(lastDuration, l, seconds(job.lastDurationMs));
    setIf(lastBytes, l, job.lastBytes);
    setIf(lastLevel, l, job.lastLevel);
    if ((RUN_RESULTS as readonly string[]).includes(job.result))
      for (const result of RUN_RESULTS) lastResult.set({ ...l, result }, result === job.result ? 1 : 0);
    runs.inc(l, job.runsTotal);
    failures.inc(l, job.failuresTotal);
    setIf(nextRun, l, seconds(job.nextRunMs));
    if (job.nextRunMs !== null) overdue.set(l, nowMs - job.nextRunMs > overdueGraceMs ? 1 : 0);
    invalid.set(l, job.invalid === null ? 0 : 1);
  }
  return registry.metrics();
}

function stateOf(job: JobRecord): string {
  if (job.invalid !== null) return 'invalid';
  return job.status || 'new';
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

function setIf(g: Gauge, labels: Record<string, string>, value: number | null): void {
  if (value !== null) g.set(labels, value);
}
