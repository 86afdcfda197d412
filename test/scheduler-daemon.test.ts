// The real permafrost-scheduler daemon in standalone mode (--no-api) running the real
// permafrost-agent: Freezer's README job verbatim (caught up once, then every 4 hours), an
// interval job, retries with growing waits, exec before and after a backup in order, the job
// verbs' table and JSON, abort, SIGTERM, an agent killed, and the daemon killed and restarted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { SchedulerHarness, sleep } from './helpers/scheduler.js';
import { startSwiftOrSkip } from './helpers/swift.js';
import { isRunning } from '../src/scheduler/processes.js';

/** Backups in the Swift container schedule_backups (through Keystone, the OS_* of `env`). */
function swiftBackupsOf(env: Record<string, string>): number {
  const r = agent(['--action', 'info', '--container', 'schedule_backups', '--json'], { env });
  if (r.status !== 0) return 0; // no container yet
  return (JSON.parse(r.stdout) as unknown[]).length;
}

function backupsIn(container: string): unknown[] {
  return JSON.parse(agentOk(['--action', 'info', '--storage', 'local', '--container', container, '--json']).stdout) as unknown[];
}

describe('permafrost-scheduler daemon (standalone)', function () {
  this.timeout(120_000);
  let h: SchedulerHarness;
  beforeEach(() => (h = new SchedulerHarness()));
  afterEach(() => h.cleanup());

  it('runs a 2-second job at least 3 times in 8 s; exec before and after a backup run in order', async () => {
    const data = path.join(h.root, 'src');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), randomBytes(1000));
    const order = path.join(h.root, 'order.txt');
    const container = path.join(h.root, 'store');
    h.writeJob('ordered.conf', {
      job_id: 'ordered',
      description: 'exec, backup, exec',
      job_actions: [
        { freezer_action: { action: 'exec', command: `echo before >> ${order}` } },
        { freezer_action: { action: 'backup', path_to_backup: data, backup_name: 'b', storage: 'local', container, no_incremental: true } },
        { freezer_action: { action: 'exec', command: `echo after >> ${order}` } },
      ],
      job_schedule: { schedule_interval: '2 seconds' },
    });
    await h.start();
    await sleep(8000);
    const j = h.job('ordered');
    assert.ok(j.runsTotal >= 3, `ran ${j.runsTotal} times`);
    assert.equal(j.failuresTotal, 0, j.lastError ?? '');
    const lines = fs.readFileSync(order, 'utf8').trim().split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) assert.deepEqual(lines.slice(i, i + 2), ['before', 'after']);
    assert.ok(backupsIn(container).length >= 3);
    // job-list: status, result, last and next run, and the run metrics.
    assert.match(j.status, /^(scheduled|running)$/);
    assert.equal(j.result, j.status === 'running' ? '' : 'success', 'a running job has no result yet, as in Freezer');
    assert.ok(j.lastSuccessMs! >= j.lastStartMs! - 2500);
    assert.ok(j.lastStartMs! > 0 && j.nextRunMs! > j.lastStartMs!);
    assert.ok(j.lastDurationMs! > 0 && j.lastBytes! > 0);
    assert.equal(j.lastLevel, 0);
    const table = h.cli(['job-list']).stdout;
    assert.match(table, /last run .* next run .* overdue/);
    assert.match(table, /\|\s+ordered\s+\|\s+exec, backup, exec\s+\|\s+3\s+\|\s+(scheduled|running)\s+\|/);
  });

  it('retries a failing action max_retries times with growing waits, then the result is fail', async () => {
    const tries = path.join(h.root, 'tries.txt');
    h.writeJob('failing.conf', {
      job_id: 'failing',
      job_actions: [
        { freezer_action: { action: 'exec', command: `date +%s.%N >> ${tries}; exit 3` }, max_retries: 2, max_retries_interval: 1 },
      ],
      job_schedule: {},
    });
    await h.start();
    const j = await h.waitFor('the failed run', () => {
      const x = h.job('failing');
      return x.runsTotal === 1 ? x : undefined;
    });
    assert.equal(j.result, 'fail');
    assert.equal(j.status, 'completed');
    assert.equal(j.lastSuccessMs, null, 'a failure never moves the last success');
    assert.equal(j.lastExitCode, 3);
    assert.match(j.lastError!, /exit 3/);
    const times = fs.readFileSync(tries, 'utf8').trim().split('\n').map(Number);
    assert.equal(times.length, 3, '1 try + 2 retries');
    const waits = [times[1] - times[0], times[2] - times[1]];
    assert.ok(waits[0] >= 0.9 && waits[0] < 1.9, `first wait ${waits[0]}`);
    assert.ok(waits[1] >= 1.9, `second wait ${waits[1]} doubles`);
    assert.match(h.log(), /job failing: retry/);
  });

  it('job-abort stops a running backup within 2 s and lists no partial backup', async () => {
    const src = path.join(h.root, 'big');
    fs.mkdirSync(src);
    for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(src, `f${i}`), randomBytes(2 << 20));
    const container = path.join(h.root, 'store');
    h.writeJob('big.conf', {
      job_id: 'big',
      job_actions: [
        {
          freezer_action: { action: 'backup', path_to_backup: src, backup_name: 'big', storage: 'local', container, compression: 'bzip2' },
        },
      ],
      job_schedule: { schedule_interval: '1 hours', schedule_start_date: '2020-01-01T00:00:00' },
    });
    await h.start();
    const pid = await h.waitFor('the agent', () => {
      const r = h.runs('big')[0];
      return r && r.endedMs === null ? (readPid(h, 'big') ?? undefined) : undefined;
    });
    await sleep(300);
    const t0 = Date.now();
    assert.equal(h.cli(['job-abort', '-j', 'big']).status, 0);
    await h.waitFor('the agent gone', () => !isRunning(pid), 5000);
    const took = Date.now() - t0;
    assert.ok(took < 2000, `the agent stopped after ${took} ms`);
    const j = await h.waitFor('the aborted run', () => {
      const x = h.job('big');
      return x.runsTotal === 1 ? x : undefined;
    });
    assert.equal(j.result, 'aborted');
    assert.equal(j.status, 'completed');
    assert.equal(backupsIn(container).length, 0);
  });

  it('SIGTERM stops the daemon cleanly: a running job gets the grace period, then is stopped', async () => {
    h.writeJob('sleepy.conf', {
      job_id: 'sleepy',
      job_actions: [{ freezer_action: { action: 'exec', command: 'sleep 30' } }],
      job_schedule: {},
    });
    await h.start(['--grace-period', '1']);
    await h.waitFor('the run', () => h.runs('sleepy')[0]?.endedMs === null);
    const t0 = Date.now();
    const exit = await h.stop('SIGTERM');
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
    assert.equal(fs.existsSync(path.join(h.stateDir, 'scheduler.pid')), false);
    const [run] = h.runs('sleepy');
    assert.equal(run.result, 'aborted');
    assert.match(h.cli(['status']).stdout, /^Not Running$/m);
  });

  it('an agent killed with SIGKILL fails its run and the daemon goes on', async () => {
    h.writeJob('victim.conf', {
      job_id: 'victim',
      job_actions: [{ freezer_action: { action: 'exec', command: 'sleep 30' } }],
      job_schedule: { schedule_interval: '2 seconds' },
    });
    await h.start();
    const pid = await h.waitFor('the agent', () => readPid(h, 'victim') ?? undefined);
    process.kill(pid, 'SIGKILL');
    const j = await h.waitFor('the failed run', () => {
      const x = h.job('victim');
      return x.failuresTotal === 1 ? x : undefined;
    });
    assert.match(j.lastError!, /SIGKILL/);
    await h.waitFor('the next run', () => h.runs('victim').length >= 2, 10_000);
    assert.equal(h.daemon!.exitCode, null, 'the daemon still runs');
  });

  it('the daemon killed with SIGKILL and restarted loses no run record and runs a missed job once', async () => {
    h.writeJob('steady.conf', {
      job_id: 'steady',
      job_actions: [{ freezer_action: { action: 'exec', command: 'sleep 3' } }],
      job_schedule: { schedule_interval: '5 seconds', schedule_start_date: '2020-01-01T00:00:00' },
    });
    await h.start();
    await h.waitFor('a running run', () => h.runs('steady')[0]?.endedMs === null);
    await h.stop('SIGKILL');
    const before = h.runs('steady');
    assert.equal(before.length, 1);
    await sleep(12_000); // two more 5-second marks pass while it is down
    await h.start();
    const runs = await h.waitFor('the catch-up run', () => {
      const r = h.runs('steady');
      return r.length >= 2 ? r : undefined;
    });
    const interrupted = runs.find((r) => r.runId === before[0].runId)!;
    assert.equal(interrupted.result, 'fail');
    assert.match(interrupted.error!, /scheduler stopped during the run/);
    await sleep(1500);
    const after = h.runs('steady');
    const sinceRestart = after.filter((r) => r.runId > before[0].runId);
    assert.equal(sinceRestart.filter((r) => r.catchUp).length, 1, 'the missed marks run once, not once each');
    assert.equal(new Set(after.map((r) => r.runId)).size, after.length);
  });

  it('an agent left running by a daemon killed with SIGKILL is stopped at the next start; the run history stays', async () => {
    h.writeJob('orphan.conf', {
      job_id: 'orphan',
      job_actions: [{ freezer_action: { action: 'exec', command: 'sleep 60' } }],
      job_schedule: {},
    });
    await h.start();
    const pid = await h.waitFor('the agent', () => readPid(h, 'orphan') ?? undefined);
    await h.stop('SIGKILL');
    await sleep(300);
    assert.ok(isRunning(pid), 'the agent outlives the daemon (its own process group)');
    await h.start();
    await h.waitFor('the orphan stopped', () => !isRunning(pid), 5000);
    // The daemon logs the interrupted run once the orphan is gone: the line may follow the exit.
    const interrupted = /job orphan: run-interrupted \(run_id=1 .*agent_stopped=true/;
    await h.waitFor('the run-interrupted line', () => interrupted.test(h.log()), 5000);
    assert.match(h.log(), interrupted);
    // The job file removed: the daemon drops the job, run-list still shows its runs.
    fs.rmSync(path.join(h.jobsDir, 'orphan.conf'));
    await h.waitFor('the removal', () => !h.jobs().some((j) => j.jobId === 'orphan'), 5000);
    assert.ok(h.runs('orphan').length >= 1);
  });

  it('status tells a live daemon from a stale pid file; start, reload and stop exit 0', async () => {
    fs.mkdirSync(h.stateDir, { recursive: true });
    fs.writeFileSync(path.join(h.stateDir, 'scheduler.pid'), `${process.pid}\n`); // alive, but not a scheduler
    const stale = h.cli(['status']);
    assert.equal(stale.status, 0);
    assert.match(stale.stdout, /Not Running \(stale pid file/);
    const start = h.cli(['--log-file', h.logFile, 'start']);
    assert.equal(start.status, 0, start.stderr);
    const pid = Number(/pid: (\d+)/.exec(start.stdout)![1]);
    assert.ok(isRunning(pid));
    assert.equal(h.cli(['status']).stdout.trim(), `Running with pid: ${pid}`);
    assert.match(h.cli(['start']).stdout, new RegExp(`already running, pid: ${pid}`));
    assert.equal(h.cli(['reload']).status, 0);
    await h.waitFor('the reload', () => /SIGHUP: reloading/.test(h.log()));
    const restart = h.cli(['--log-file', h.logFile, 'restart']);
    assert.equal(restart.status, 0, restart.stderr);
    const pid2 = Number(/pid: (\d+)/.exec(restart.stdout)![1]);
    assert.notEqual(pid2, pid);
    const stop = h.cli(['stop']);
    assert.equal(stop.status, 0);
    assert.equal(isRunning(pid2), false);
    assert.equal(h.cli(['status']).stdout.trim(), 'Not Running');
  });
});

describe("permafrost-scheduler daemon: Freezer's README job", function () {
  this.timeout(180_000);
  let h: SchedulerHarness;
  let env: Record<string, string>;
  before(async function () {
    env = (await startSwiftOrSkip(this, true)).keystone!.env;
  });
  beforeEach(() => (h = new SchedulerHarness()));
  afterEach(() => h.cleanup());

  it("runs Freezer's README job verbatim: once at start (catch-up), then on its 4-hour interval", async () => {
    const data = path.join(h.root, 'datadir');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.txt'), 'hello\n');
    // Freezer's README test_job.json: storage unset (Swift, Freezer's default) with container
    // schedule_backups; only the two local paths point into this test's directory.
    const container = 'schedule_backups';
    const swiftBackups = () => swiftBackupsOf(env);
    const before = swiftBackups();
    const readme = {
      job_actions: [
        {
          freezer_action: {
            action: 'backup',
            mode: 'fs',
            backup_name: 'backup1',
            path_to_backup: data,
            container,
            log_file: path.join(h.root, 'freezer.log'),
          },
          max_retries: 3,
          max_retries_interval: 60,
        },
      ],
      job_schedule: { schedule_interval: '4 hours', schedule_start_date: '2015-08-16T17:58:00' },
      description: 'schedule_backups 6',
    };
    assert.equal(readme.job_actions[0].freezer_action.container, container);
    fs.writeFileSync(path.join(h.root, 'test_job.json'), JSON.stringify(readme));
    // As the README: job-create --file, then job-list.
    const created = h.cli(['-c', 'node12', 'job-create', '--file', path.join(h.root, 'test_job.json')]);
    assert.equal(created.status, 0, created.stderr);
    const jobId = /^Job (\w+) created$/m.exec(created.stdout)![1];
    const table = h.cli(['-c', 'node12', 'job-list']).stdout;
    const lines = table.split('\n');
    assert.match(
      lines[1],
      /^\|\s+job_id\s+\|\s+description\s+\|\s+# actions\s+\|\s+status\s+\|\s+event\s+\|\s+result\s+\|\s+session_id\s+\|/,
    );
    assert.match(lines[3], new RegExp(`^\\|\\s+${jobId}\\s+\\|\\s+schedule_backups 6\\s+\\|\\s+1\\s+\\|`));

    const started = Date.now();
    await h.start([], env);
    const job = await h.waitFor('the catch-up run', () => {
      const j = h.job(jobId);
      return j.runsTotal === 1 && j.status === 'scheduled' ? j : undefined;
    });
    assert.equal(job.result, 'success');
    assert.equal(swiftBackups(), before + 1);
    const [run] = h.runs(jobId);
    assert.equal(run.catchUp, true);
    assert.equal(typeof run.level, 'number', 'read from the metadata (0, or an incremental level when the container has the chain)');
    assert.equal(run.backupName, 'backup1');
    // The due time caught up is the latest 4-hour mark of the 2015-08-16T17:58 series (local time).
    const anchor = new Date(2015, 7, 16, 17, 58, 0).getTime();
    const period = 4 * 3600_000;
    assert.equal((run.dueMs - anchor) % period, 0);
    assert.ok(run.dueMs <= started && started - run.dueMs < period);
    assert.equal(job.nextRunMs, run.dueMs + period);
    // Then every 4 hours: `next` shows the series, and nothing else ran meanwhile.
    const next = JSON.parse(h.cli(['next', '-j', jobId, '--json']).stdout) as { time: string }[];
    assert.equal(next.length, 5);
    for (let i = 1; i < 5; i++) assert.equal(Date.parse(next[i].time) - Date.parse(next[i - 1].time), period);
    await sleep(1500);
    assert.equal(h.job(jobId).runsTotal, 1, 'caught up once, not once per missed interval');
  });
});

/** The pid of the agent the job's running run started (from the store), or null. */
function readPid(h: SchedulerHarness, jobId: string): number | null {
  const r = h.cli(['run-list', '-j', jobId, '--json']);
  const runs = JSON.parse(r.stdout) as { endedMs: number | null; pid: number | null }[];
  const running = runs.find((x) => x.endedMs === null);
  return running?.pid ?? null;
}
