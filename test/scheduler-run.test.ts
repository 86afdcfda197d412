// The scheduler running a job's actions through the real permafrost-agent
// (src/scheduler/agent-run.ts, run-job.ts): the options in a private INI file, the metadata
// whatever the agent writes to stderr, exec and backup in order, retries with growing waits,
// Freezer's mandatory rule, and an abort that stops the agent's whole process group within
// 2 s and leaves no backup listed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT, agentOk } from './helpers/agent.js';
import { runAgent } from '../src/scheduler/agent-run.js';
import { runJob } from '../src/scheduler/run-job.js';
import { parseJobDocument } from '../src/scheduler/job-document.js';
import { isRunning } from '../src/scheduler/processes.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pf-sched-run-'));
}

/** `files` files of `bytes` random bytes each (xz takes seconds over a few MiB of them). */
function sourceTree(root: string, files: number, bytes: number): string {
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(src, `f${i}`), randomBytes(bytes));
  return src;
}

function backupsIn(container: string): unknown[] {
  const out = agentOk(['--action', 'info', '--storage', 'local', '--container', container, '--json']).stdout;
  return JSON.parse(out) as unknown[];
}

describe('scheduler: running a job through permafrost-agent', function () {
  this.timeout(120_000);
  let work: string;
  beforeEach(() => {
    work = tempDir();
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('passes the action in a 0600 INI file named on argv (no option on argv), removed afterwards; the metadata comes back', async () => {
    const src = sourceTree(work, 3, 1000);
    const container = path.join(work, 'store');
    let seen: { argv: string[]; mode: number; ini: string } | undefined;
    const run = await runAgent({
      agentPath: AGENT,
      action: {
        action: 'backup',
        path_to_backup: src,
        backup_name: 'nightly',
        storage: 'local',
        container,
        compression: 'zstd',
        hostname: 'node1',
      },
      onSpawn: (pid) => {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const ini = argv[argv.indexOf('--config') + 1];
        seen = { argv, mode: fs.statSync(ini).mode & 0o777, ini };
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(seen);
    assert.equal(seen.mode, 0o600);
    assert.deepEqual(
      seen.argv.slice(2).filter((a) => a.startsWith('--')),
      ['--config', '--metadata-out'],
    );
    assert.ok(!seen.argv.join(' ').includes(container), 'no option value on argv');
    assert.equal(fs.existsSync(seen.ini), false, 'the INI file is gone');
    assert.equal(run.metadata?.curr_backup_level, 0);
    assert.equal(run.metadata?.hostname, 'node1');
    assert.equal(run.metadata?.backup_name, 'nightly');
  });

  it('keeps the metadata when the agent writes to stderr (freezer-scheduler 13 drops it)', async () => {
    const src = sourceTree(work, 2, 100);
    const run = await runAgent({
      agentPath: AGENT,
      action: {
        action: 'backup',
        path_to_backup: src,
        backup_name: 'b',
        storage: 'local',
        container: path.join(work, 'store'),
        verbose: true,
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(run.stderr.length > 0, 'the agent wrote to stderr');
    assert.equal(run.metadata?.curr_backup_level, 0);
  });

  it('runs exec before and after a backup, in order; the job succeeds', async () => {
    const src = sourceTree(work, 2, 100);
    const container = path.join(work, 'store');
    const trace = path.join(work, 'trace');
    const job = parseJobDocument(
      {
        job_actions: [
          { freezer_action: { action: 'exec', command: `echo before >> ${trace}` } },
          { freezer_action: { action: 'backup', path_to_backup: src, backup_name: 'b', storage: 'local', container } },
          { freezer_action: { action: 'exec', command: `ls ${container} > /dev/null && echo after >> ${trace}` } },
        ],
        job_schedule: {},
      },
      'ordered.json',
    );
    const r = await runJob(job, { agentPath: AGENT });
    assert.equal(r.result, 'success', r.error ?? '');
    assert.equal(fs.readFileSync(trace, 'utf8'), 'before\nafter\n');
    assert.equal(backupsIn(container).length, 1);
  });

  it('retries a failing action max_retries times with growing waits, then fails the job with the last error', async () => {
    const job = parseJobDocument(
      {
        job_actions: [{ freezer_action: { action: 'exec', command: 'echo no way >&2; exit 3' }, max_retries: 2, max_retries_interval: 1 }],
      },
      'failing.json',
    );
    const waits: number[] = [];
    const r = await runJob(job, { agentPath: AGENT, onRetry: (_a, _n, ms) => waits.push(ms) });
    assert.equal(r.result, 'fail');
    const tries = r.actions[0].tries;
    assert.equal(tries.length, 3);
    assert.deepEqual(waits, [1000, 2000]);
    const gap1 = tries[1].startedMs - (tries[0].startedMs + tries[0].durationMs);
    const gap2 = tries[2].startedMs - (tries[1].startedMs + tries[1].durationMs);
    assert.ok(gap1 >= 1000 && gap2 >= 2000, `gaps ${gap1} ms, ${gap2} ms`);
    assert.match(r.error ?? '', /action 0: exit \d+/);
  });

  it('after a failure runs only mandatory actions, as freezer-scheduler does', async () => {
    const trace = path.join(work, 'trace');
    const job = parseJobDocument(
      {
        job_actions: [
          { freezer_action: { action: 'exec', command: 'exit 1' } },
          { freezer_action: { action: 'exec', command: `echo skipped >> ${trace}` } },
          { freezer_action: { action: 'exec', command: `echo cleanup >> ${trace}` }, mandatory: true },
        ],
      },
      'mandatory.json',
    );
    const r = await runJob(job, { agentPath: AGENT });
    assert.deepEqual(
      r.actions.map((a) => a.result),
      ['fail', 'skipped', 'success'],
    );
    assert.equal(r.result, 'fail');
    assert.equal(fs.readFileSync(trace, 'utf8'), 'cleanup\n');
  });

  it('an abort stops the agent and what it started within 2 s', async () => {
    const pidFile = path.join(work, 'sleep.pid');
    const job = parseJobDocument(
      { job_actions: [{ freezer_action: { action: 'exec', command: `sleep 60 & echo $! > ${pidFile}; wait` }, max_retries: 3 }] },
      'abort.json',
    );
    const controller = new AbortController();
    const running = runJob(job, { agentPath: AGENT, signal: controller.signal });
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8').trim() === '') await new Promise((r) => setTimeout(r, 20));
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    const t0 = Date.now();
    controller.abort();
    const r = await running;
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.equal(r.result, 'aborted');
    assert.equal(r.actions[0].tries.length, 1, 'an abort is not retried');
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(isRunning(sleeper), false, 'the command the agent started is gone too');
  });

  it('an aborted backup leaves no backup listed', async () => {
    const src = sourceTree(work, 16, 2 << 20);
    const container = path.join(work, 'store');
    const job = parseJobDocument(
      {
        job_actions: [
          { freezer_action: { action: 'backup', path_to_backup: src, backup_name: 'big', storage: 'local', container, compression: 'xz' } },
        ],
      },
      'big.json',
    );
    const controller = new AbortController();
    const running = runJob(job, { agentPath: AGENT, signal: controller.signal, onSpawn: () => setTimeout(() => controller.abort(), 700) });
    const t0 = Date.now();
    const r = await running;
    assert.equal(r.result, 'aborted', `the backup ended first (${Date.now() - t0} ms): make the tree bigger`);
    assert.deepEqual(backupsIn(container), []);
  });
});
