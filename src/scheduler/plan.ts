// When a job's next run starts (docs/SCHEDULER.md §3, §4): its trigger's next time, or, when
// a time fell due while nothing ran the job (the daemon was down, the machine slept, the
// clock jumped), one catch-up run now; then the job's jitter. Pure: the daemon passes the
// clock.
import { jitterDelayMs } from './jitter.js';
import type { JobSchedule } from './job-document.js';
import { latestMissed, nextFire, type Trigger } from './trigger.js';

export interface PlanInput {
  jobId: string;
  host: string;
  trigger: Trigger | null;
  catchup: JobSchedule['catchup'];
  jitterSeconds: number;
  /** When the daemon first scheduled the job (an interval without a start date counts from it). */
  anchorMs: number;
  /** The due time of the job's last run, or null when it never ran. */
  lastDueMs: number | null;
}

export interface PlannedRun {
  /** The time the run is for (recorded as its due time). */
  dueMs: number;
  /** When it starts: the due time (or now, for a catch-up) plus the jitter. */
  startMs: number;
  catchUp: boolean;
}

/** The job's next run, or null when its trigger has nothing left. */
export function planNextRun(p: PlanInput, nowMs: number, random: () => number = Math.random): PlannedRun | null {
  const jitter = () => jitterDelayMs(p.jitterSeconds * 1000, p.host, p.jobId, random);
  if (p.trigger === null) {
    // No schedule: once, when the job is first scheduled.
    return p.lastDueMs === null ? { dueMs: p.anchorMs, startMs: Math.max(p.anchorMs, nowMs) + jitter(), catchUp: false } : null;
  }
  const since = p.lastDueMs ?? firstSince(p.trigger, p.anchorMs);
  const missed = latestMissed(p.trigger, since, nowMs, p.anchorMs);
  if (missed !== null && p.catchup === 'latest') return { dueMs: missed, startMs: nowMs + jitter(), catchUp: true };
  const due = nextFire(p.trigger, Math.max(since, nowMs), p.anchorMs);
  return due === null ? null : { dueMs: due, startMs: due + jitter(), catchUp: false };
}

/**
 * Before its first run, what counts as missed: a one-shot date or an interval's start date in
 * the past (Freezer runs both at once; 13.0.0 forgets a date over an hour old), but no cron
 * match from before the job existed.
 */
function firstSince(trigger: Trigger, anchorMs: number): number {
  if (trigger.kind === 'once') return Math.min(trigger.at, anchorMs) - 1;
  if (trigger.startMs !== undefined) return Math.min(trigger.startMs, anchorMs) - 1;
  return anchorMs;
}

/**
 * How far the wall clock moved against the monotonic clock between two readings (a suspend,
 * an NTP step), in ms; 0 within `toleranceMs`. The daemon then plans every job again, so what
 * fell due during the jump is caught up once.
 */
export function clockJump(prev: { wallMs: number; monoMs: number }, now: { wallMs: number; monoMs: number }, toleranceMs = 2000): number {
  const drift = now.wallMs - prev.wallMs - (now.monoMs - prev.monoMs);
  return Math.abs(drift) > toleranceMs ? drift : 0;
}
