// When a job runs (docs/SCHEDULER.md §3): the trigger of its schedule, chosen as
// freezer-scheduler chooses it (a date, else an interval, else cron fields, else once at
// start), and the times it fires. Pure functions of the clock values they are given, so the
// daemon, `next` and the tests compute the same times.
import type { Cron } from 'croner';

export type Trigger =
  | { kind: 'once'; at: number }
  | { kind: 'interval'; everyMs: number; continuous: boolean; startMs?: number; endMs?: number }
  | { kind: 'cron'; cron: Cron; startMs?: number; endMs?: number };

/**
 * The first time `trigger` fires strictly after `afterMs`, or null when it never fires again.
 * `anchorMs` is when the job was first scheduled: an interval without a start date first fires
 * one interval after it (Freezer: a "30 seconds" job first runs 30 s after it is scheduled);
 * with a start date, at the start date and every interval after.
 */
export function nextFire(trigger: Trigger, afterMs: number, anchorMs: number): number | null {
  switch (trigger.kind) {
    case 'once':
      return trigger.at > afterMs ? trigger.at : null;
    case 'interval': {
      const first = firstIntervalFire(trigger, anchorMs);
      const steps = afterMs < first ? 0 : Math.floor((afterMs - first) / trigger.everyMs) + 1;
      return withinEnd(first + steps * trigger.everyMs, trigger.endMs);
    }
    case 'cron': {
      // croner's nextRun(t) is the first match strictly after t; a start date is inclusive.
      const from = trigger.startMs !== undefined && trigger.startMs > afterMs ? trigger.startMs - 1 : afterMs;
      const next = trigger.cron.nextRun(new Date(from));
      return next ? withinEnd(next.getTime(), trigger.endMs) : null;
    }
  }
}

/** An interval's first time: its start date, or one interval after the job was scheduled. */
function firstIntervalFire(trigger: Extract<Trigger, { kind: 'interval' }>, anchorMs: number): number {
  return trigger.startMs ?? anchorMs + trigger.everyMs;
}

function withinEnd(t: number, endMs: number | undefined): number | null {
  return endMs !== undefined && t > endMs ? null : t;
}

/**
 * The latest time the trigger fired in (`sinceMs`, `nowMs`] (a run missed while the daemon
 * was down or the machine slept), or null. A catch-up runs that one once, never the burst.
 */
export function latestMissed(trigger: Trigger, sinceMs: number, nowMs: number, anchorMs: number): number | null {
  let t = nextFire(trigger, sinceMs, anchorMs);
  if (t === null || t > nowMs) return null;
  if (trigger.kind === 'interval') {
    // Straight to the last step at or before now, however many were missed.
    const first = firstIntervalFire(trigger, anchorMs);
    const until = Math.min(nowMs, trigger.endMs ?? nowMs);
    return first + Math.floor((until - first) / trigger.everyMs) * trigger.everyMs;
  }
  // Cron: walk forward; bounded, since a schedule that fired this often is caught up by one run anyway.
  for (let i = 0; i < 100_000; i++) {
    const next = nextFire(trigger, t, anchorMs);
    if (next === null || next > nowMs) return t;
    t = next;
  }
  return t;
}
