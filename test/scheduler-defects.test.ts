// freezer-scheduler 13's defects (docs/SCHEDULER.md §7), each shown absent from
// permafrost-scheduler on the real binaries. The API-side ones (PATCH wiping job_schedule,
// session entries, the versions document) are covered by the fleet tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SchedulerHarness, sleep } from './helpers/scheduler.js';
import { procStat } from '../src/scheduler/processes.js';

/** CPU seconds a process has used (utime + stime, proc(5) fields 14 and 15; 100 ticks a second on Linux). */
function cpuSeconds(pid: number): number {
  const { fields } = procStat(pid)!;
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('freezer-scheduler 13 defects, absent here', function () {
  this.timeout(120_000);
  let h: SchedulerHarness;
  beforeEach(() => (h = new SchedulerHarness()));
  afterEach(() => h.cleanup());

  it('1: abort of an idle scheduled job unschedules it (13.0.0 shows stop and keeps firing)', async () => {
    h.writeJob('idle.conf', {
      job_id: 'idle',
      job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
      job_schedule: { schedule_interval: '2 seconds', schedule_start_date: '2099-01-01T00:00:00' },
    });
    await h.start();
    await h.waitFor('scheduled', () => h.job('idle').status === 'scheduled');
    assert.equal(h.cli(['job-abort', '-j', 'idle']).status, 0);
    const j = await h.waitFor('stopped', () => {
      const x = h.job('idle');
      return x.status === 'stop' ? x : undefined;
    });
    assert.equal(j.nextRunMs, null, 'nothing planned');
  });

  it('2: a "remove" event removes the job; the daemon does not spin', async () => {
    h.writeJob('gone.conf', { job_id: 'gone', job_actions: [], job_schedule: { event: 'remove', schedule_interval: '1 seconds' } });
    h.writeJob('other.conf', { job_id: 'other', job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }], job_schedule: {} });
    const daemon = await h.start();
    await h.waitFor('the other job ran', () => h.jobs().find((j) => j.jobId === 'other')?.runsTotal === 1);
    const cpu0 = cpuSeconds(daemon.pid!);
    await sleep(2000);
    const used = cpuSeconds(daemon.pid!) - cpu0;
    assert.ok(used < 0.5, `the daemon used ${used} s of CPU in 2 s`);
    assert.equal(
      h.jobs().some((j) => j.jobId === 'gone'),
      false,
    );
  });

  it('3: a date with Z or fractions and an interval with two spaces run; they crash-loop 13.0.0', async () => {
    const marks = path.join(h.root, 'marks');
    const job = (id: string, schedule: Record<string, unknown>) => ({
      job_id: id,
      job_actions: [{ freezer_action: { action: 'exec', command: `echo ${id} >> ${marks}` } }],
      job_schedule: schedule,
    });
    h.writeJob('z.conf', job('zulu', { schedule_interval: '1 hours', schedule_start_date: '2020-05-01T10:00:00Z' }));
    h.writeJob('frac.conf', job('frac', { schedule_date: new Date(Date.now() - 1000).toISOString() }));
    h.writeJob('spaces.conf', job('spaces', { schedule_interval: '4  hours', schedule_start_date: '2020-05-01T10:00:00.250+02:00' }));
    await h.start();
    await h.waitFor('all three ran', () => fs.existsSync(marks) && fs.readFileSync(marks, 'utf8').trim().split('\n').length === 3);
    assert.deepEqual(fs.readFileSync(marks, 'utf8').trim().split('\n').sort(), ['frac', 'spaces', 'zulu']);
  });

  it('4: the backup metadata is kept when the agent writes to stderr', async () => {
    const src = path.join(h.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'data');
    h.writeJob('noisy.conf', {
      job_id: 'noisy',
      job_actions: [
        {
          freezer_action: {
            action: 'backup',
            path_to_backup: src,
            backup_name: 'noisy',
            storage: 'local',
            container: path.join(h.root, 'store'),
            verbose: true,
          },
        },
      ],
      job_schedule: {},
    });
    await h.start();
    const j = await h.waitFor('the run', () => {
      const x = h.job('noisy');
      return x.runsTotal === 1 ? x : undefined;
    });
    assert.equal(j.result, 'success');
    assert.equal(j.lastBackupName, 'noisy', 'read from the metadata');
    assert.equal(j.lastLevel, 0);
  });

  it('7: status checks the pid file against the process (covered with start/stop in scheduler-daemon)', () => {
    fs.mkdirSync(h.stateDir, { recursive: true });
    fs.writeFileSync(path.join(h.stateDir, 'scheduler.pid'), '999999\n');
    const r = h.cli(['status']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Not Running \(stale pid file/);
  });

  it('8: the jobs directory is read again (a job added after start runs; covered in scheduler-policies)', async () => {
    await h.start();
    const marker = path.join(h.root, 'added');
    h.writeJob('added.conf', {
      job_id: 'added',
      job_actions: [{ freezer_action: { action: 'exec', command: `touch ${marker}` } }],
      job_schedule: {},
    });
    await h.waitFor('the added job', () => fs.existsSync(marker), 5000);
  });

  it('9: a schedule_date days old runs once (13.0.0 silently never runs one over an hour old)', async () => {
    const marks = path.join(h.root, 'marks');
    h.writeJob('old.conf', {
      job_id: 'old',
      job_actions: [{ freezer_action: { action: 'exec', command: `echo ran >> ${marks}` } }],
      job_schedule: { schedule_date: new Date(Date.now() - 3 * 86_400_000).toISOString() },
    });
    await h.start();
    const j = await h.waitFor('the run', () => {
      const x = h.job('old');
      return x.runsTotal === 1 && x.status === 'completed' ? x : undefined;
    });
    assert.equal(j.result, 'success');
    await sleep(1500);
    assert.equal(fs.readFileSync(marks, 'utf8'), 'ran\n', 'once');
  });

  it('10: option values "true", "false" and "None" reach the agent as written (13.0.0 turns them into booleans)', async () => {
    const out = path.join(h.root, 'out');
    h.writeJob('words.conf', {
      job_id: 'words',
      job_actions: [
        { freezer_action: { action: 'exec', command: `echo None > ${out}` } },
        { freezer_action: { action: 'exec', command: 'true' } },
      ],
      job_schedule: {},
    });
    await h.start();
    const j = await h.waitFor('the run', () => {
      const x = h.job('words');
      return x.runsTotal === 1 ? x : undefined;
    });
    assert.equal(j.result, 'success', j.lastError ?? '');
    assert.equal(fs.readFileSync(out, 'utf8'), 'None\n');
  });
});
