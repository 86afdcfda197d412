// When a job's next run starts (src/scheduler/plan.ts): the README's job caught up once at
// start and then on its interval, a daemon that was down catching up once (never a burst),
// `catchup: none`, a one-shot date in the past, cron jobs not catching up on matches from
// before they existed, jitter within its bound, and clock jumps.
import assert from 'node:assert/strict';
import { clockJump, planNextRun, type PlanInput } from '../src/scheduler/plan.js';
import { parseJobDocument } from '../src/scheduler/job-document.js';
import { cronSchedule } from '../src/scheduler/cron-fields.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.UTC(2026, 11, 7, 12, 0, 30);

function input(schedule: Record<string, unknown>, over: Partial<PlanInput> = {}): PlanInput {
  const job = parseJobDocument({ job_actions: [], job_schedule: schedule }, 'plan.json');
  return { jobId: 'j1', host: 'node1', anchorMs: now, lastDueMs: null, ...job.schedule, ...over };
}

describe('scheduler: planning the next run', function () {
  it("runs the README's job (every 4 hours since 2015) once at start, then every 4 hours", function () {
    const p = input({ schedule_interval: '4 hours', schedule_start_date: '2015-08-16T17:58:00' });
    const first = planNextRun(p, now)!;
    assert.equal(first.catchUp, true);
    assert.equal(first.startMs, now);
    assert.ok(first.dueMs <= now && now - first.dueMs < 4 * HOUR);
    const second = planNextRun({ ...p, lastDueMs: first.dueMs }, now + 5 * SECOND)!;
    assert.deepEqual(second, { dueMs: first.dueMs + 4 * HOUR, startMs: first.dueMs + 4 * HOUR, catchUp: false });
  });

  it('with catchup: none, waits for the next time instead', function () {
    const p = input({ schedule_interval: '4 hours', schedule_start_date: '2015-08-16T17:58:00', catchup: 'none' });
    const next = planNextRun(p, now)!;
    assert.equal(next.catchUp, false);
    assert.ok(next.dueMs > now && next.dueMs - now <= 4 * HOUR);
  });

  it('a new interval job without a start date first runs one interval after it is scheduled', function () {
    assert.deepEqual(planNextRun(input({ schedule_interval: '2 seconds' }), now), {
      dueMs: now + 2 * SECOND,
      startMs: now + 2 * SECOND,
      catchUp: false,
    });
  });

  it('after three days down, an hourly job runs once, for the latest hour, then hourly from there (no burst)', function () {
    const p = input({ schedule_interval: '1 hour' }, { anchorMs: now - 10 * DAY, lastDueMs: now - 10 * DAY + 200 * HOUR });
    const caughtUp = planNextRun(p, now)!;
    assert.equal(caughtUp.catchUp, true);
    assert.ok(now - caughtUp.dueMs < HOUR);
    const then = planNextRun({ ...p, lastDueMs: caughtUp.dueMs }, now + SECOND)!;
    assert.equal(then.catchUp, false);
    assert.equal(then.dueMs, caughtUp.dueMs + HOUR);
  });

  it('a schedule_date in the past runs once (freezer-scheduler 13 forgets one over an hour old), then never again', function () {
    const p = input({ schedule_date: '2026-12-01T08:00:00Z' });
    const once = planNextRun(p, now)!;
    assert.deepEqual(once, { dueMs: Date.UTC(2026, 11, 1, 8), startMs: now, catchUp: true });
    assert.equal(planNextRun({ ...p, lastDueMs: once.dueMs }, now + SECOND), null);
    const future = planNextRun(input({ schedule_date: '2026-12-08T08:00:00Z' }), now)!;
    assert.deepEqual(future, { dueMs: Date.UTC(2026, 11, 8, 8), startMs: Date.UTC(2026, 11, 8, 8), catchUp: false });
  });

  it('a new cron job does not catch up on matches from before it existed; a job with no schedule runs once', function () {
    const p = input({}, { trigger: { kind: 'cron', cron: cronSchedule({ hour: '3' }) } });
    assert.deepEqual(planNextRun(p, now), { dueMs: Date.UTC(2026, 11, 8, 3), startMs: Date.UTC(2026, 11, 8, 3), catchUp: false });
    const bare = input({});
    assert.deepEqual(planNextRun(bare, now), { dueMs: now, startMs: now, catchUp: false });
    assert.equal(planNextRun({ ...bare, lastDueMs: now }, now + SECOND), null);
  });

  it('adds the jitter, within its bound', function () {
    const p = input({ schedule_interval: '1 hour', jitter_seconds: 300 });
    for (const r of [0, 0.5, 0.999999]) {
      const run = planNextRun(p, now, () => r)!;
      const delay = run.startMs - run.dueMs;
      assert.ok(delay >= 0 && delay < 300 * SECOND, `delay ${delay}`);
    }
    assert.ok(planNextRun(p, now, () => 0.99)!.startMs > planNextRun(p, now, () => 0)!.startMs);
  });

  it('tells a clock jump (suspend, NTP step) from drift', function () {
    assert.equal(clockJump({ wallMs: now, monoMs: 1000 }, { wallMs: now + 600 * SECOND, monoMs: 2000 }), 599 * SECOND);
    assert.equal(clockJump({ wallMs: now, monoMs: 1000 }, { wallMs: now + 1500, monoMs: 2000 }), 0);
    assert.equal(clockJump({ wallMs: now, monoMs: 1000 }, { wallMs: now - 60 * SECOND, monoMs: 2000 }), -61 * SECOND);
  });
});
