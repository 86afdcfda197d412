// The scheduler's schedules (src/scheduler/): intervals and dates as freezer-api allows them
// (where freezer-scheduler 13 crash-loops or never runs), cron fields with APScheduler's
// meaning checked against APScheduler 3.9.1 itself (the library freezer-scheduler runs on),
// next and missed run times, jitter bounds, and job documents refused with the job and field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parseInterval, IntervalFormatError } from '../src/scheduler/interval.js';
import { parseJobDate, DateFormatError } from '../src/scheduler/dates.js';
import { cronSchedule, cronPattern, CronFieldError, type CronFields } from '../src/scheduler/cron-fields.js';
import { latestMissed, nextFire, type Trigger } from '../src/scheduler/trigger.js';
import { hostOffsetMs, jitterDelayMs } from '../src/scheduler/jitter.js';
import { JobDocumentError, parseJobDocument } from '../src/scheduler/job-document.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('scheduler: schedule_interval', function () {
  it('takes what freezer-api allows and what freezer-scheduler 13 chokes on: odd spacing, singular units, any case', function () {
    assert.deepEqual(parseInterval('4 hours'), { seconds: 14_400, continuous: false });
    assert.deepEqual(parseInterval('4  hours'), { seconds: 14_400, continuous: false }); // Freezer: crash loop (§11.3)
    assert.deepEqual(parseInterval('1 hour'), { seconds: 3600, continuous: false }); // Freezer: never scheduled
    assert.deepEqual(parseInterval(' 30 Seconds '), { seconds: 30, continuous: false });
    assert.deepEqual(parseInterval('2 weeks'), { seconds: 1_209_600, continuous: false });
    assert.deepEqual(parseInterval('continuous'), { seconds: 1, continuous: true });
  });

  it('refuses what is not an interval, saying what one is', function () {
    for (const bad of ['4 fortnights', 'hours', '4hours', '0 seconds', '-1 days', '1.5 hours', '', '99999999 weeks']) {
      assert.throws(
        () => parseInterval(bad),
        (err: Error) => err instanceof IntervalFormatError && err.message.includes(`"${bad}"`),
        bad,
      );
    }
  });
});

describe('scheduler: dates', function () {
  it('reads ISO 8601 with or without a zone or fractions; without a zone it is local time', function () {
    assert.equal(parseJobDate('2031-05-01T10:00:00Z'), Date.UTC(2031, 4, 1, 10)); // Freezer: crash loop (§11.3)
    assert.equal(parseJobDate('2031-05-01T10:00:00+02:00'), Date.UTC(2031, 4, 1, 8));
    assert.equal(parseJobDate('2031-05-01T10:00:00-0130'), Date.UTC(2031, 4, 1, 11, 30));
    assert.equal(parseJobDate('2031-05-01T10:00:00.250Z'), Date.UTC(2031, 4, 1, 10, 0, 0, 250));
    assert.equal(parseJobDate('2031-05-01T10:00:00.123456789Z'), Date.UTC(2031, 4, 1, 10, 0, 0, 123));
    assert.equal(parseJobDate('2015-08-16T17:58:00'), new Date(2015, 7, 16, 17, 58).getTime());
    assert.equal(parseJobDate('2015-08-16 17:58'), new Date(2015, 7, 16, 17, 58).getTime());
  });

  it('refuses a date that is not one, naming what is wrong', function () {
    const cases: Array<[string, RegExp]> = [
      ['2031-02-30T00:00:00', /has no day 30/],
      ['2031-13-01T00:00:00', /month 13/],
      ['2031-05-01T24:00:00', /not a time of day/],
      ['2031-05-01', /not an ISO 8601 date and time/],
      ['May 1 2031', /not an ISO 8601 date and time/],
      ['2031-05-01T10:00:00+25:00', /not a UTC offset/],
    ];
    for (const [bad, why] of cases)
      assert.throws(
        () => parseJobDate(bad),
        (err: Error) => err instanceof DateFormatError && why.test(err.message),
        bad,
      );
  });
});

/** For each field set, the next `n` fire times of APScheduler's CronTrigger after `fromMs` (Debian's python3-apscheduler); null where it refuses the fields. */
function apschedulerFires(cases: CronFields[], fromMs: number, n: number): Array<number[] | null> {
  const script = `
import json, sys, datetime
from apscheduler.triggers.cron import CronTrigger
from dateutil.tz import tzlocal
cases, start, n = json.loads(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
result = []
for fields in cases:
    try:
        t = CronTrigger(timezone=tzlocal(), **fields)
    except Exception:
        result.append(None); continue
    now = datetime.datetime.fromtimestamp(start, tzlocal())
    out, prev = [], None
    for _ in range(n):
        nxt = t.get_next_fire_time(prev, now)
        if nxt is None: break
        out.append(nxt.timestamp()); prev = nxt; now = nxt + datetime.timedelta(microseconds=1)
    result.append(out)
print(json.dumps(result))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(cases), String(fromMs / 1000), String(n)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `APScheduler: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Array<number[] | null>).map((fires) => fires && fires.map((s) => Math.round(s * 1000)));
}

describe('scheduler: cron fields, as APScheduler reads them', function () {
  const cases: CronFields[] = [
    { hour: '3' },
    { day_of_week: 'mon-fri', hour: '3', minute: '30' },
    { day_of_week: '0,2' },
    { day_of_week: '5-6', hour: '22' },
    { day_of_week: '*/2', hour: '1' },
    { second: '*/15' },
    { minute: '*/20', hour: '9-17' },
    { day: '1', day_of_week: 'mon' },
    { month: '2', day: '29' },
    { year: '2028', month: '3' },
    { day: '28', month: '*/3', hour: '12' },
  ];

  it("fires at the times APScheduler 3.9.1 (freezer-scheduler's engine) fires them", function () {
    this.timeout(20_000);
    assert.ok(
      fs.existsSync('/usr/lib/python3/dist-packages/apscheduler'),
      "APScheduler is missing: Debian's python3-apscheduler comes with python3-freezer (bash .ci/install-deps.sh)",
    );
    const from = Date.UTC(2026, 11, 7, 10, 0, 7);
    const all = apschedulerFires(cases, from, 6);
    for (const [i, fields] of cases.entries()) {
      const theirs = all[i];
      assert.ok(theirs, `APScheduler refused ${JSON.stringify(fields)}`);
      const cron = cronSchedule(fields);
      const ours: number[] = [];
      let t = from;
      for (let k = 0; k < theirs.length; k++) {
        t = nextFire({ kind: 'cron', cron }, t, from)!;
        ours.push(t);
      }
      const iso = (xs: number[]) => xs.map((x) => new Date(x).toISOString());
      assert.deepEqual(iso(ours), iso(theirs), `${JSON.stringify(fields)} → ${cronPattern(fields)}`);
    }
  });

  it('refuses schedule_week and fields croner cannot read, naming the field', function () {
    assert.throws(
      () => cronSchedule({ week: '5' }),
      (err: Error) => err instanceof CronFieldError && err.field === 'week',
    );
    assert.throws(
      () => cronSchedule({ hour: '99' }),
      (err: Error) => err instanceof CronFieldError && err.field === 'hour',
    );
    assert.throws(
      () => cronSchedule({ minute: '1 2' }),
      (err: Error) => err instanceof CronFieldError && err.field === 'minute',
    );
  });
});

describe('scheduler: next and missed runs', function () {
  const anchor = Date.UTC(2026, 11, 7, 12);

  it('an interval without a start date first fires one interval after it is scheduled; with one, at the start and every interval after', function () {
    const every: Trigger = { kind: 'interval', everyMs: 30_000, continuous: false };
    assert.equal(nextFire(every, anchor, anchor), anchor + 30_000);
    assert.equal(nextFire(every, anchor + 30_000, anchor), anchor + 60_000);
    const started: Trigger = { kind: 'interval', everyMs: 4 * HOUR, continuous: false, startMs: anchor - 10 * DAY - 1000 };
    const next = nextFire(started, anchor, anchor)!;
    assert.ok(next > anchor && next <= anchor + 4 * HOUR && (next - started.startMs!) % (4 * HOUR) === 0);
    const ended: Trigger = { ...started, endMs: anchor };
    assert.equal(nextFire(ended, anchor, anchor), null);
  });

  it('a run missed while the daemon was down is one run, the latest, however many fell due; none when none did', function () {
    const every4h: Trigger = { kind: 'interval', everyMs: 4 * HOUR, continuous: false, startMs: Date.UTC(2015, 7, 16, 17, 58) };
    const lastRun = anchor - 2 * DAY;
    const missed = latestMissed(every4h, lastRun, anchor, anchor)!;
    assert.ok(missed <= anchor && anchor - missed < 4 * HOUR, 'the latest due time, not the first');
    assert.equal(latestMissed(every4h, missed, anchor, anchor), null, 'nothing after the run that caught up');
    // Freezer's §11.9: a schedule_date over an hour old never runs. Here it is missed once, then done.
    const once: Trigger = { kind: 'once', at: anchor - 3 * DAY };
    assert.equal(latestMissed(once, anchor - 4 * DAY, anchor, anchor), anchor - 3 * DAY);
    assert.equal(nextFire(once, anchor - 3 * DAY, anchor), null);
    const cron: Trigger = { kind: 'cron', cron: cronSchedule({ hour: '3' }) };
    assert.equal(latestMissed(cron, anchor - 3 * DAY, anchor, anchor), Date.UTC(2026, 11, 7, 3));
  });
});

describe('scheduler: jitter', function () {
  it('stays below its bound, holds one offset per host and job, and spreads hosts apart', function () {
    const bound = 600_000;
    let max = 0;
    for (let i = 0; i < 10_000; i++) max = Math.max(max, jitterDelayMs(bound, 'node1', 'job'));
    assert.ok(max < bound && max > bound * 0.9, `max ${max}`);
    assert.equal(
      jitterDelayMs(bound, 'node1', 'job', () => 0),
      hostOffsetMs(bound, 'node1', 'job'),
    );
    assert.equal(hostOffsetMs(bound, 'node1', 'job'), hostOffsetMs(bound, 'node1', 'job'));
    const offsets = new Set(Array.from({ length: 100 }, (_, i) => Math.floor(hostOffsetMs(bound, `node${i}`, 'job') / 10_000)));
    assert.ok(offsets.size > 20, `100 hosts fall into ${offsets.size} of 30 ten-second slots`);
    assert.equal(jitterDelayMs(0, 'node1', 'job'), 0);
  });
});

describe('scheduler: job documents', function () {
  const readmeJob = {
    job_actions: [
      {
        freezer_action: {
          action: 'backup',
          mode: 'fs',
          backup_name: 'backup1',
          path_to_backup: '/home/me/datadir',
          container: 'schedule_backups',
          log_file: '/home/me/.freezer/freezer.log',
        },
        max_retries: 3,
        max_retries_interval: 60,
      },
    ],
    job_schedule: { schedule_interval: '4 hours', schedule_start_date: '2015-08-16T17:58:00' },
    description: 'schedule_backups 6',
  };

  it("reads the job of Freezer's README as it is", function () {
    const job = parseJobDocument(readmeJob, 'test_job.json');
    assert.equal(job.description, 'schedule_backups 6');
    assert.deepEqual(job.actions[0], {
      freezerAction: readmeJob.job_actions[0].freezer_action,
      maxRetries: 3,
      maxRetriesInterval: 60,
      mandatory: false,
    });
    assert.deepEqual(job.schedule.trigger, {
      kind: 'interval',
      everyMs: 4 * HOUR,
      continuous: false,
      startMs: new Date(2015, 7, 16, 17, 58).getTime(),
      endMs: undefined,
    });
    assert.equal(job.schedule.catchup, 'latest');
    assert.equal(job.schedule.overlap, 'skip');
  });

  it('copies action_defaults into every action that lacks the key, as freezer-api does', function () {
    const job = parseJobDocument(
      {
        action_defaults: { storage: 'local', container: '/srv/b' },
        job_actions: [{ freezer_action: { action: 'backup', container: '/other' } }],
        job_schedule: {},
      },
      'j.json',
    );
    assert.deepEqual(job.actions[0].freezerAction, { storage: 'local', container: '/other', action: 'backup' });
  });

  it('refuses a bad document with a message naming the job and the field', function () {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...readmeJob, job_schedule: { schedule_interval: '4 fortnights' } }, 'job_schedule.schedule_interval', /not an interval/],
      [{ ...readmeJob, job_schedule: { schedule_date: '2031-13-01T00:00:00' } }, 'job_schedule.schedule_date', /month 13/],
      [{ ...readmeJob, job_schedule: { schedule_week: '5' } }, 'job_schedule.schedule_week', /not supported/],
      [{ ...readmeJob, job_schedul: {} }, 'job_schedul', /did you mean job_schedule\?/],
      [
        { ...readmeJob, job_actions: [{ freezer_action: { path_to_bakcup: '/x' } }] },
        'job_actions[0].freezer_action.path_to_bakcup',
        /did you mean path_to_backup\?/,
      ],
      [{ ...readmeJob, job_actions: [{ freezer_action: {}, max_retries: -1 }] }, 'job_actions[0].max_retries', /whole number from 0/],
      [{ ...readmeJob, job_schedule: { status: 'sleeping' } }, 'job_schedule.status', /one of "completed"/],
      [{ ...readmeJob, job_actions: {} }, 'job_actions', /not a list/],
      [
        { ...readmeJob, job_actions: [{ freezer_action: { action: 'backup', exclude: ['a'] } }] },
        'job_actions[0].freezer_action.exclude',
        /a list/,
      ],
    ];
    for (const [doc, field, why] of cases) {
      assert.throws(
        () => parseJobDocument(doc, 'bad.json'),
        (err: Error) =>
          err instanceof JobDocumentError && err.field === field && err.message.startsWith('job bad.json: ') && why.test(err.message),
        field,
      );
    }
    assert.throws(
      () => parseJobDocument({ ...readmeJob, job_id: 'nightly', job_schedule: { event: 'explode' } }, 'x.json'),
      /^Error: job "nightly": job_schedule.event/,
    );
  });

  it("accepts every event freezer-api allows, 'remove' included (freezer-scheduler 13 spins on it)", function () {
    for (const event of ['', 'start', 'stop', 'abort', 'remove'])
      assert.equal(parseJobDocument({ ...readmeJob, job_schedule: { event } }, 'e.json').schedule.event, event);
  });
});
