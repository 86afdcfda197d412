// The scheduler's state store (src/scheduler/store/): jobs and runs kept as given, a job's
// counters and last-* fields as docs/SCHEDULER.md says, events taken exactly once by two
// processes at once, stores it must not read refused by name, and a daemon killed with SIGKILL
// in the middle of recording runs leaving no run lost, counted twice or half-written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateStore, StateStoreError } from '../src/scheduler/store/state-store.js';
import type { RunOutcome } from '../src/scheduler/records.js';

/** The compiled store, for the child processes (they run plain JS written into a temp dir). */
const STORE_JS = new URL('../src/scheduler/store/state-store.js', import.meta.url).href;

const T0 = Date.UTC(2025, 0, 1);
const DOC = JSON.stringify({ job_id: 'j1', job_actions: [] });

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return { endedMs: T0, result: 'success', exitCode: 0, level: null, bytes: null, backupName: null, error: null, ...over };
}

/** Runs `source` (an ES module) in a child node with `args`; resolves with its stdout once it exits 0. */
function runChild(work: string, name: string, source: string, args: string[]): { done: Promise<string>; kill: () => void; pid: number } {
  const script = path.join(work, name);
  fs.writeFileSync(script, source);
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`${name} exited ${code ?? signal}: ${err}`))));
  });
  return { done, kill: () => child.kill('SIGKILL'), pid: child.pid! };
}

describe('scheduler: state store', function () {
  this.timeout(15_000);
  let work: string;
  let stores: StateStore[];
  const open = (dir = path.join(work, 'state')) => {
    const s = StateStore.open(dir);
    stores.push(s);
    return s;
  };
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-sched-store-'));
    stores = [];
  });
  afterEach(() => {
    for (const s of stores) s.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('makes a private state directory and file, in WAL mode at schema version 1', () => {
    const dir = path.join(work, 'a', 'state');
    open(dir).putJob('j1', DOC, 'local', null, T0);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, 'scheduler.db')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, 'scheduler.db-wal')).mode & 0o777, 0o600, 'the WAL holds job documents too');
    const raw = new Database(path.join(dir, 'scheduler.db'), { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 1);
    } finally {
      raw.close();
    }
  });

  it('keeps jobs: added, same, changed (which clears invalid), state kept across a document change, deleted with their runs', () => {
    const s = open();
    assert.equal(s.putJob('j2', DOC, 'dir', '/etc/jobs/j2.json', T0), 'added');
    assert.equal(s.putJob('j1', DOC, 'api', null, T0 + 5), 'added');
    assert.equal(s.putJob('j1', DOC, 'api', null, T0 + 10), 'same');
    assert.equal(s.setInvalid('j1', 'job_actions is empty'), true);
    assert.equal(s.updateJob('j1', { status: 'scheduled', event: 'start', nextRunMs: T0 + 3_600_000 }), true);
    assert.equal(s.getJob('j1')?.invalid, 'job_actions is empty', 'the same document keeps its verdict');
    const runId = s.beginRun('j1', T0 + 100, T0 + 101, false);
    s.endRun(runId, outcome({ endedMs: T0 + 200, level: 0, bytes: 1234, backupName: 'nightly' }));

    assert.equal(s.putJob('j1', DOC + ' ', 'local', '/x', T0 + 20), 'changed');
    const j1 = s.getJob('j1')!;
    assert.deepEqual(j1, {
      jobId: 'j1',
      document: DOC + ' ',
      source: 'local',
      sourcePath: '/x',
      invalid: null,
      status: 'running',
      event: 'start',
      result: 'success',
      requestedEvent: '',
      anchorMs: T0 + 5,
      lastDueMs: T0 + 100,
      lastStartMs: T0 + 101,
      lastEndMs: T0 + 200,
      lastSuccessMs: T0 + 200,
      lastError: null,
      lastExitCode: 0,
      lastLevel: 0,
      lastBytes: 1234,
      lastDurationMs: 99,
      lastBackupName: 'nightly',
      nextRunMs: T0 + 3_600_000,
      runsTotal: 1,
      failuresTotal: 0,
    });
    s.updateJob('j1', { nextRunMs: null, anchorMs: T0 + 7 });
    assert.equal(s.getJob('j1')?.nextRunMs, null, 'null is a value a patch sets');
    assert.equal(s.getJob('j1')?.anchorMs, T0 + 7);
    assert.equal(s.getJob('j1')?.status, 'running', 'fields left out of a patch are kept');
    assert.deepEqual(
      s.listJobs().map((j) => [j.jobId, j.source, j.sourcePath]),
      [
        ['j1', 'local', '/x'],
        ['j2', 'dir', '/etc/jobs/j2.json'],
      ],
    );

    const kept = s.beginRun('j2', 5, 6, false);
    assert.equal(s.deleteJob('j2', true), true);
    assert.equal(s.getJob('j2'), undefined);
    assert.equal(s.getRun(kept)?.jobId, 'j2', 'a job the daemon dropped keeps its runs as history');
    assert.equal(s.deleteJob('j1'), true);
    assert.equal(s.deleteJob('j1'), false);
    assert.equal(s.getJob('j1'), undefined);
    assert.equal(s.getRun(runId), undefined, 'its runs go with it');
    assert.equal(s.updateJob('j1', { status: 'x' }), false);
    assert.equal(s.setInvalid('j1', null), false);
  });

  it('keeps runs: begun, pid, ended; listed newest first; a second end refused and not counted', () => {
    const s = open();
    s.putJob('j1', DOC, 'local', null, T0);
    const first = s.beginRun('j1', T0, T0 + 3, true);
    assert.deepEqual(s.getRun(first), {
      runId: first,
      jobId: 'j1',
      dueMs: T0,
      startedMs: T0 + 3,
      endedMs: null,
      result: null,
      catchUp: true,
      pid: null,
      exitCode: null,
      level: null,
      bytes: null,
      durationMs: null,
      backupName: null,
      error: null,
    });
    assert.equal(s.getJob('j1')?.status, 'running');
    s.setRunPid(first, 4242);
    s.endRun(first, outcome({ endedMs: T0 + 1003, result: 'fail', exitCode: 5, error: 'storage unreachable' }));
    assert.deepEqual(s.getRun(first), {
      runId: first,
      jobId: 'j1',
      dueMs: T0,
      startedMs: T0 + 3,
      endedMs: T0 + 1003,
      result: 'fail',
      catchUp: true,
      pid: 4242,
      exitCode: 5,
      level: null,
      bytes: null,
      durationMs: 1000,
      backupName: null,
      error: 'storage unreachable',
    });
    assert.throws(
      () => s.endRun(first, outcome({ endedMs: T0 + 2000 })),
      (e: Error) => e instanceof StateStoreError && /run \d+ of job j1: it already ended \(fail\)/.test(e.message),
    );
    assert.equal(s.getJob('j1')?.runsTotal, 1);
    assert.equal(s.getRun(first)?.result, 'fail');
    assert.throws(() => s.endRun(99_999, outcome({})), /no such run/);
    assert.throws(() => s.beginRun('nope', T0, T0, false), /no such job/);

    const ids = [first];
    for (let i = 1; i < 25; i++) {
      const id = s.beginRun('j1', T0 + i, T0 + i, false);
      s.endRun(id, outcome({ endedMs: T0 + i + 1 }));
      ids.push(id);
    }
    assert.deepEqual(
      s.listRuns('j1').map((r) => r.runId),
      ids.slice(-20).reverse(),
    );
    assert.deepEqual(
      s.listRuns('j1', 3).map((r) => r.dueMs),
      [T0 + 24, T0 + 23, T0 + 22],
    );
  });

  it('counts runs and failures; a failure never moves lastSuccess; a success keeps lastError and the last known level/bytes/name', () => {
    const s = open();
    s.putJob('j1', DOC, 'local', null, T0);
    const run = (at: number, o: Partial<RunOutcome>) => s.endRun(s.beginRun('j1', at, at, false), outcome({ endedMs: at + 10, ...o }));

    run(T0, { level: 0, bytes: 500, backupName: 'b' });
    run(T0 + 100, { result: 'fail', exitCode: 5, error: 'disk full' });
    let j = s.getJob('j1')!;
    assert.equal(j.lastSuccessMs, T0 + 10, 'the failure left lastSuccess');
    assert.equal(j.lastEndMs, T0 + 110);
    assert.equal(j.result, 'fail');
    assert.equal(j.lastError, 'disk full');
    assert.equal(j.lastExitCode, 5);
    assert.deepEqual([j.lastLevel, j.lastBytes, j.lastBackupName], [0, 500, 'b'], 'a run without a backup keeps the last one known');

    run(T0 + 200, { result: 'aborted', exitCode: null, error: 'aborted by job-abort' });
    run(T0 + 300, { level: 1, bytes: 20 });
    j = s.getJob('j1')!;
    assert.equal(j.lastSuccessMs, T0 + 310);
    assert.equal(j.lastError, 'aborted by job-abort', 'a success keeps the last error (history)');
    assert.equal(j.result, 'success');
    assert.deepEqual([j.lastLevel, j.lastBytes, j.lastBackupName], [1, 20, 'b']);
    assert.equal(j.runsTotal, 4);
    assert.equal(j.failuresTotal, 2, 'an abort counts as a failure');
  });

  it('closes the runs a killed daemon left open, as failures, once', () => {
    const s = open();
    s.putJob('j1', DOC, 'local', null, T0);
    s.putJob('j2', DOC, 'local', null, T0);
    s.endRun(s.beginRun('j1', T0, T0, false), outcome({ endedMs: T0 + 5 }));
    const open1 = s.beginRun('j1', T0 + 100, T0 + 100, false);
    const open2 = s.beginRun('j2', T0 + 100, T0 + 150, true);
    const closed = s.closeInterruptedRuns(T0 + 1000, 'the daemon stopped during the run');
    assert.deepEqual(
      closed.map((r) => [r.runId, r.endedMs, r.result, r.durationMs, r.error]),
      [
        [open1, T0 + 1000, 'fail', 900, 'the daemon stopped during the run'],
        [open2, T0 + 1000, 'fail', 850, 'the daemon stopped during the run'],
      ],
    );
    const j1 = s.getJob('j1')!;
    assert.deepEqual([j1.runsTotal, j1.failuresTotal, j1.lastSuccessMs, j1.lastError], [2, 1, T0 + 5, 'the daemon stopped during the run']);
    assert.deepEqual(s.closeInterruptedRuns(T0 + 2000, 'again'), []);
    assert.equal(s.getJob('j2')?.runsTotal, 1);
  });

  it('hands out requested events once, across two stores on the same directory', () => {
    const a = open();
    const b = open();
    a.putJob('j1', DOC, 'local', null, T0);
    a.putJob('j2', DOC, 'local', null, T0);
    assert.equal(b.requestEvent('j1', 'stop'), true);
    assert.equal(b.requestEvent('j2', 'start'), true);
    assert.equal(b.requestEvent('j3', 'start'), false);
    assert.throws(() => b.requestEvent('j1', 'remove' as 'stop'), /event "remove" for job j1: it is none of start, stop, abort/);
    assert.equal(a.getJob('j1')?.requestedEvent, 'stop');
    assert.deepEqual(a.takeRequestedEvents(), [
      { jobId: 'j1', event: 'stop' },
      { jobId: 'j2', event: 'start' },
    ]);
    assert.deepEqual(b.takeRequestedEvents(), []);
    assert.deepEqual(a.takeRequestedEvents(), []);
    assert.equal(b.getJob('j1')?.requestedEvent, '');
  });

  it('hands out requested events exactly once to two processes taking them at the same time', async () => {
    const s = open();
    const n = 300;
    for (let i = 0; i < n; i++) s.putJob(`j${String(i).padStart(3, '0')}`, DOC, 'local', null, T0);
    const taker = `
      import { StateStore } from ${JSON.stringify(STORE_JS)};
      const s = StateStore.open(process.argv[2]);
      s.setMeta('ready ' + process.argv[3], '1');
      const taken = [];
      for (;;) {
        const done = s.getMeta('done') === '1';
        for (const e of s.takeRequestedEvents()) taken.push(e.jobId);
        if (done) break;
      }
      s.close();
      process.stdout.write(JSON.stringify(taken));
    `;
    const dir = path.join(work, 'state');
    const takers = [runChild(work, 'take1.mjs', taker, [dir, '1']), runChild(work, 'take2.mjs', taker, [dir, '2'])];
    // Both taking before the first request: otherwise one could find all of them.
    for (const started = Date.now(); s.getMeta('ready 1') !== '1' || s.getMeta('ready 2') !== '1';) {
      assert.ok(Date.now() - started < 5000, 'the takers did not start within 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let i = 0; i < n; i++) {
      assert.equal(s.requestEvent(`j${String(i).padStart(3, '0')}`, 'start'), true);
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    s.setMeta('done', '1');
    const [one, two] = (await Promise.all(takers.map((t) => t.done))).map((out) => JSON.parse(out) as string[]);
    assert.ok(
      one.length > 0 && two.length > 0,
      `both processes took some (${one.length}, ${two.length}); the test raced nothing otherwise`,
    );
    const all = [...one, ...two].sort();
    assert.equal(all.length, n, 'none lost, none taken twice');
    assert.equal(new Set(all).size, n);
    assert.deepEqual(s.takeRequestedEvents(), []);
  });

  it('keeps an outbox in insertion order with attempts, and key/value readings', () => {
    const s = open();
    const first = s.enqueue('job-update', 'j1', { job_schedule: { status: 'running' } });
    const second = s.enqueue('action-result', null, [1, 'two']);
    s.markAttempt(first);
    s.markAttempt(first);
    const reopened = open();
    const queued = reopened.peekOutbox(10);
    assert.deepEqual(
      queued.map(({ createdMs, ...rest }) => (assert.ok(Math.abs(createdMs - Date.now()) < 60_000), rest)),
      [
        { id: first, kind: 'job-update', jobId: 'j1', body: { job_schedule: { status: 'running' } }, attempts: 2 },
        { id: second, kind: 'action-result', jobId: null, body: [1, 'two'], attempts: 0 },
      ],
    );
    assert.deepEqual(
      reopened.peekOutbox(1).map((e) => e.id),
      [first],
    );
    assert.equal(reopened.dequeue(first), true);
    assert.equal(reopened.dequeue(first), false);
    assert.deepEqual(
      s.peekOutbox(10).map((e) => e.id),
      [second],
    );
    assert.throws(() => s.enqueue('x', null, undefined), /body \(undefined\) has no JSON form/);

    assert.equal(s.getMeta('clock'), undefined);
    s.setMeta('clock', '1:2');
    s.setMeta('clock', '3:4');
    assert.equal(reopened.getMeta('clock'), '3:4');
  });

  it('refuses a store of a newer schema version, naming the file and both versions, and leaves it alone', () => {
    const dir = path.join(work, 'state');
    open(dir).close();
    stores = [];
    const file = path.join(dir, 'scheduler.db');
    const raw = new Database(file);
    raw.pragma('user_version = 7');
    raw.close();
    assert.throws(
      () => open(dir),
      (e: Error) =>
        e instanceof StateStoreError &&
        e.file === file &&
        e.message.startsWith(`${file} has state store schema version 7, newer than the version 1 `),
    );
    const after = new Database(file, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), 7);
    after.close();
  });

  it('refuses a file that is not a SQLite database, and a state directory that is a file, naming them', () => {
    const dir = path.join(work, 'state');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'scheduler.db');
    const garbage = Buffer.alloc(8192, 'not a database, just text. ');
    fs.writeFileSync(file, garbage);
    assert.throws(
      () => open(dir),
      (e: Error) => e instanceof StateStoreError && e.message.startsWith(`${file} is not a SQLite database`),
    );
    assert.deepEqual(fs.readFileSync(file), garbage, 'left as it was');

    const plain = path.join(work, 'plain');
    fs.writeFileSync(plain, '');
    assert.throws(
      () => open(path.join(plain, 'state')),
      (e: Error) => e instanceof StateStoreError && e.message.includes(`${plain} is a file, not a directory`),
    );
  });

  it('loses no run and counts none twice when the daemon is killed with SIGKILL while recording runs', async () => {
    const dir = path.join(work, 'state');
    const s = open(dir);
    s.putJob('j1', DOC, 'local', null, T0);
    s.putJob('j2', DOC, 'local', null, T0);
    s.close();
    stores = [];
    // Runs in two jobs, alternately succeeding and failing, as fast as it can.
    const looper = `
      import { StateStore } from ${JSON.stringify(STORE_JS)};
      const s = StateStore.open(process.argv[2]);
      for (let i = 0; ; i++) {
        const job = i % 2 ? 'j2' : 'j1';
        const id = s.beginRun(job, ${T0} + i, Date.now(), false);
        s.setRunPid(id, process.pid);
        s.endRun(id, { endedMs: Date.now() + 1, result: i % 3 ? 'success' : 'fail', exitCode: i % 3 ? 0 : 1,
          level: null, bytes: i, backupName: null, error: i % 3 ? null : 'fail ' + i });
      }
    `;
    let totalRuns = 0;
    for (let round = 0; round < 8; round++) {
      const child = runChild(work, `loop${round}.mjs`, looper, [dir]);
      const exited = child.done.catch(() => undefined);
      // Once the child is in its loop (20 runs recorded), killed at an arbitrary instant.
      await new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (runCount(dir) > totalRuns + 20) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - started > 5000) {
            clearInterval(poll);
            reject(new Error('the child recorded no runs within 5 s'));
          }
        }, 10);
      });
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      child.kill();
      await exited;

      const store = StateStore.open(dir);
      try {
        const closed = store.closeInterruptedRuns(Date.now(), 'killed');
        assert.ok(closed.length <= 1, `one run at most was open at the kill, found ${closed.length}`);
        const raw = new Database(path.join(dir, 'scheduler.db'), { readonly: true });
        try {
          assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
          const runs = raw
            .prepare<[], { runId: number; jobId: string; endedMs: number | null; result: string | null; dueMs: number }>(
              'SELECT run_id AS runId, job_id AS jobId, ended_ms AS endedMs, result, due_ms AS dueMs FROM runs ORDER BY run_id',
            )
            .all();
          assert.ok(runs.length > totalRuns, `round ${round} recorded runs`);
          totalRuns = runs.length;
          assert.equal(new Set(runs.map((r) => r.runId)).size, runs.length, 'no run id twice');
          assert.deepEqual(
            runs.filter((r) => r.endedMs === null || r.result === null),
            [],
            'every run ended',
          );
          for (const jobId of ['j1', 'j2']) {
            const mine = runs.filter((r) => r.jobId === jobId);
            const job = store.getJob(jobId)!;
            assert.equal(job.runsTotal, mine.length, `${jobId}: runsTotal is the number of ended runs`);
            assert.equal(job.failuresTotal, mine.filter((r) => r.result !== 'success').length, `${jobId}: failuresTotal`);
            assert.equal(job.lastDueMs, mine.at(-1)!.dueMs, `${jobId}: lastDueMs is its latest run's (begun together)`);
          }
        } finally {
          raw.close();
        }
      } finally {
        store.close();
      }
    }
    assert.ok(totalRuns > 100, `the children recorded ${totalRuns} runs`);
  });
});

/** How many runs the store holds, read by a connection of its own (the child is writing). */
function runCount(dir: string): number {
  const raw = new Database(path.join(dir, 'scheduler.db'), { readonly: true, timeout: 5000 });
  try {
    return (raw.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    raw.close();
  }
}
