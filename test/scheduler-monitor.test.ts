// The scheduler's monitoring parts and job hooks (src/scheduler/monitor/, hooks.ts): the
// metrics parsed back from Prometheus' text format (types, labels, values, absent series), the
// /metrics server on loopback, the node-exporter textfile replaced atomically, healthchecks
// pings against a real HTTP server (and one refusing, failing, never answering), and hooks run
// through a real /bin/sh or as argv, with their environment, stdin JSON and timeouts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { register as globalRegistry } from 'prom-client';
import { closedPort } from './helpers/net.js';
import type { JobRecord } from '../src/scheduler/records.js';
import { METRICS_CONTENT_TYPE, metricsText } from '../src/scheduler/monitor/metrics.js';
import { startMetricsServer } from '../src/scheduler/monitor/metrics-server.js';
import { writeTextfile } from '../src/scheduler/monitor/textfile.js';
import { pingHealthcheck } from '../src/scheduler/monitor/healthchecks.js';
import { hooksFor, runHook, type HookContext } from '../src/scheduler/hooks.js';
import { isRunning } from '../src/scheduler/processes.js';

const NOW = Date.UTC(2025, 0, 10, 12, 0, 0);

function record(jobId: string, over: Partial<JobRecord>): JobRecord {
  return {
    jobId,
    document: '{}',
    source: 'dir',
    sourcePath: null,
    invalid: null,
    status: 'scheduled',
    event: '',
    result: '',
    requestedEvent: '',
    anchorMs: NOW - 86_400_000,
    lastDueMs: null,
    lastStartMs: null,
    lastEndMs: null,
    lastSuccessMs: null,
    lastError: null,
    lastExitCode: null,
    lastLevel: null,
    lastBytes: null,
    lastDurationMs: null,
    lastBackupName: null,
    nextRunMs: null,
    runsTotal: 0,
    failuresTotal: 0,
    ...over,
  };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pf-sched-monitor-'));
}

/** The family named `name`, which must be there. */
function family(parsed: PrometheusFamily[], name: string): PrometheusFamily {
  const f = parsed.find((m) => m.name === name);
  assert.ok(f, `${name} is not in the metrics`);
  return f;
}

/** The value of `name` with exactly `labels`, or undefined when there is no such series. */
function sample(parsed: PrometheusFamily[], name: string, labels: Record<string, string>): number | undefined {
  const f = parsed.find((m) => m.name === name);
  const s = f?.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  return s === undefined ? undefined : Number(s.value);
}

function get(port: number, urlPath: string, method = 'GET', host = '127.0.0.1'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: urlPath, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, test: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scheduler monitoring: metrics', function () {
  const ran = record('nightly', {
    document: JSON.stringify({ job_id: 'nightly', description: 'the nightly backup of /srv' }),
    result: 'fail',
    lastStartMs: NOW - 3_600_000,
    lastEndMs: NOW - 3_000_000,
    lastSuccessMs: NOW - 90_000_000,
    lastDurationMs: 600_500,
    lastBytes: 123_456_789,
    lastLevel: 2,
    lastExitCode: 1,
    runsTotal: 7,
    failuresTotal: 2,
    nextRunMs: NOW - 10 * 60_000, // ten minutes late
  });
  const never = record('weekly', { nextRunMs: NOW + 86_400_000 });
  const refused = record('broken', { invalid: 'job "broken": job_actions: is missing', status: '' });

  it('per job: gauges and counters with job_id only, a never-run job without its last_* series, overdue and invalid', async () => {
    const parsed = parsePrometheusTextFormat(await metricsText([ran, never, refused], { running: 1, version: '1.2.3' }, NOW));
    const at = (name: string, job: string) => sample(parsed, name, { job_id: job });

    assert.equal(family(parsed, 'permafrost_job_runs_total').type, 'COUNTER');
    assert.equal(family(parsed, 'permafrost_job_failures_total').type, 'COUNTER');
    for (const g of [
      'permafrost_job_last_run_timestamp_seconds',
      'permafrost_job_last_bytes',
      'permafrost_job_overdue',
      'permafrost_job_last_result',
    ])
      assert.equal(family(parsed, g).type, 'GAUGE', g);

    assert.equal(at('permafrost_job_last_run_timestamp_seconds', 'nightly'), (NOW - 3_600_000) / 1000);
    assert.equal(at('permafrost_job_last_success_timestamp_seconds', 'nightly'), (NOW - 90_000_000) / 1000);
    assert.equal(at('permafrost_job_last_duration_seconds', 'nightly'), 600.5);
    assert.equal(at('permafrost_job_last_bytes', 'nightly'), 123_456_789);
    assert.equal(at('permafrost_job_last_level', 'nightly'), 2);
    assert.equal(at('permafrost_job_runs_total', 'nightly'), 7);
    assert.equal(at('permafrost_job_failures_total', 'nightly'), 2);
    assert.equal(at('permafrost_job_next_run_timestamp_seconds', 'nightly'), (NOW - 600_000) / 1000);
    assert.equal(at('permafrost_job_overdue', 'nightly'), 1);
    assert.equal(at('permafrost_job_invalid', 'nightly'), 0);
    assert.deepEqual(
      family(parsed, 'permafrost_job_last_result')
        .metrics.filter((m) => m.labels?.job_id === 'nightly')
        .map((m) => [m.labels?.result, Number(m.value)])
        .sort(),
      [
        ['aborted', 0],
        ['fail', 1],
        ['success', 0],
      ],
    );

    // Never ran: no last_* or result series at all (a 0 would read as 1970), counters at 0.
    for (const name of [
      'permafrost_job_last_run_timestamp_seconds',
      'permafrost_job_last_success_timestamp_seconds',
      'permafrost_job_last_duration_seconds',
      'permafrost_job_last_bytes',
      'permafrost_job_last_level',
    ])
      assert.equal(at(name, 'weekly'), undefined, `${name} for a job that never ran`);
    assert.ok(!family(parsed, 'permafrost_job_last_result').metrics.some((m) => m.labels?.job_id === 'weekly'));
    assert.equal(at('permafrost_job_runs_total', 'weekly'), 0);
    assert.equal(at('permafrost_job_overdue', 'weekly'), 0);
    assert.equal(at('permafrost_job_next_run_timestamp_seconds', 'weekly'), (NOW + 86_400_000) / 1000);

    assert.equal(at('permafrost_job_invalid', 'broken'), 1);
    assert.equal(at('permafrost_job_overdue', 'broken'), undefined, 'nothing planned: no overdue series');

    const labelNames = new Set(parsed.flatMap((f) => f.metrics.flatMap((m) => Object.keys(m.labels ?? {}))));
    assert.deepEqual([...labelNames].sort(), ['job_id', 'result', 'state', 'version']);
  });

  it("the daemon's gauges: up, info{version}, running jobs, jobs by state (every state listed)", async () => {
    const parsed = parsePrometheusTextFormat(await metricsText([ran, never, refused], { running: 1, version: '1.2.3' }, NOW));
    assert.equal(sample(parsed, 'permafrost_scheduler_up', {}), 1);
    assert.equal(sample(parsed, 'permafrost_scheduler_info', { version: '1.2.3' }), 1);
    assert.equal(sample(parsed, 'permafrost_scheduler_running_jobs', {}), 1);
    const byState = Object.fromEntries(family(parsed, 'permafrost_scheduler_jobs').metrics.map((m) => [m.labels?.state, Number(m.value)]));
    assert.deepEqual(byState, { new: 0, stop: 0, scheduled: 2, running: 0, aborting: 0, completed: 0, removed: 0, invalid: 1 });
  });

  it('a job within the grace is not overdue; each scrape starts afresh; the global registry stays empty', async () => {
    const late = record('late', { nextRunMs: NOW - 60_000 });
    const first = parsePrometheusTextFormat(await metricsText([late], { running: 0, version: 'x' }, NOW));
    assert.equal(sample(first, 'permafrost_job_overdue', { job_id: 'late' }), 0);
    // A job gone from the store is gone from the next scrape (a registry kept across scrapes would keep it).
    const second = parsePrometheusTextFormat(await metricsText([], { running: 0, version: 'x' }, NOW));
    assert.equal(sample(second, 'permafrost_job_overdue', { job_id: 'late' }), undefined);
    assert.ok(!(await globalRegistry.metrics()).includes('permafrost_'), "prom-client's global registry holds none of ours");
  });
});

describe('scheduler monitoring: the /metrics server', function () {
  it('GET /metrics 200 in the text format, 404 elsewhere, 405 for POST, 500 on a render error and serving on', async () => {
    let fail = false;
    const server = await startMetricsServer({
      port: 0,
      render: async () => {
        if (fail) throw new Error('the state store is locked');
        return metricsText([], { running: 0, version: '9.9.9' }, NOW);
      },
    });
    try {
      const ok = await get(server.port, '/metrics');
      assert.equal(ok.status, 200);
      assert.equal(ok.type, METRICS_CONTENT_TYPE);
      assert.equal(sample(parsePrometheusTextFormat(ok.body), 'permafrost_scheduler_info', { version: '9.9.9' }), 1);
      assert.equal((await get(server.port, '/metrics?x=1')).status, 200);
      assert.equal((await get(server.port, '/')).status, 404);
      assert.equal((await get(server.port, '/metricsx')).status, 404);
      const post = await get(server.port, '/metrics', 'POST');
      assert.equal(post.status, 405);
      fail = true;
      const broken = await get(server.port, '/metrics');
      assert.equal(broken.status, 500);
      assert.match(broken.body, /the state store is locked/);
      fail = false;
      assert.equal((await get(server.port, '/metrics')).status, 200, 'still serving after a render error');
    } finally {
      await server.close();
    }
  });

  it('listens on 127.0.0.1 only by default', async function () {
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    const server = await startMetricsServer({ port: 0, render: async () => '' });
    try {
      assert.equal((await get(server.port, '/metrics')).status, 200);
      if (!outside) {
        console.error('  (this machine has no non-loopback IPv4 address: only the loopback side is checked)');
        return;
      }
      await assert.rejects(get(server.port, '/metrics', 'GET', outside.address), /ECONNREFUSED/);
    } finally {
      await server.close();
    }
  });
});

describe('scheduler monitoring: the node-exporter textfile', function () {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces the file by a rename (a new inode, no temp file left), mode 0644 whatever the umask', async () => {
    const file = path.join(dir, 'permafrost.prom');
    const old = process.umask(0o077);
    try {
      await writeTextfile(file, 'first 1\n');
      const before = fs.statSync(file);
      const text = await metricsText([record('a', { runsTotal: 3 })], { running: 0, version: 'x' }, NOW);
      await writeTextfile(file, text);
      const after = fs.statSync(file);
      assert.equal(fs.readFileSync(file, 'utf8'), text.endsWith('\n') ? text : `${text}\n`);
      assert.equal(after.mode & 0o777, 0o644);
      assert.notEqual(after.ino, before.ino, 'renamed over, not written in place');
      assert.deepEqual(fs.readdirSync(dir), ['permafrost.prom']);
      assert.equal(sample(parsePrometheusTextFormat(fs.readFileSync(file, 'utf8')), 'permafrost_job_runs_total', { job_id: 'a' }), 3);
    } finally {
      process.umask(old);
    }
  });

  it('ends the last line, and a missing directory is an error naming the file', async () => {
    const file = path.join(dir, 'x.prom');
    await writeTextfile(file, 'x 1');
    assert.equal(fs.readFileSync(file, 'utf8'), 'x 1\n');
    const missing = path.join(dir, 'nope', 'x.prom');
    await assert.rejects(writeTextfile(missing, 'x 1\n'), (err: Error) => err.message.includes(missing));
  });
});

describe('scheduler monitoring: healthchecks pings', function () {
  let server: http.Server;
  let base: string;
  const seen: Array<{ method: string; path: string; body: string }> = [];
  let behave: 'ok' | 'error' | 'silent' = 'ok';

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, path: req.url!, body: Buffer.concat(chunks).toString('utf8') });
        if (behave === 'silent') return; // never answers
        res.writeHead(behave === 'ok' ? 200 : 500).end(behave === 'ok' ? 'OK' : 'database is down');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/0f1e2d`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    behave = 'ok';
  });

  it('POSTs to url/start, url and url/fail with the body; null on 2xx', async () => {
    assert.equal(await pingHealthcheck(base, 'start', 'job nightly: started'), null);
    assert.equal(await pingHealthcheck(base, 'success', 'job nightly: success, level 2, 1234 bytes'), null);
    assert.equal(await pingHealthcheck(`${base}/`, 'fail', 'job nightly: fail: exit code 1'), null);
    assert.deepEqual(seen, [
      { method: 'POST', path: '/ping/0f1e2d/start', body: 'job nightly: started' },
      { method: 'POST', path: '/ping/0f1e2d', body: 'job nightly: success, level 2, 1234 bytes' },
      { method: 'POST', path: '/ping/0f1e2d/fail', body: 'job nightly: fail: exit code 1' },
    ]);
  });

  it('cuts the body at 10 KB on a character boundary', async () => {
    assert.equal(await pingHealthcheck(base, 'fail', 'é'.repeat(20_000)), null);
    const body = Buffer.from(seen[0].body, 'utf8');
    assert.equal(body.length, 10_000);
    assert.equal(seen[0].body, 'é'.repeat(5000));
  });

  it('a 500 and a refused port are warnings naming the URL and what went wrong', async () => {
    behave = 'error';
    const warning = (await pingHealthcheck(base, 'success', 'x')) ?? 'null';
    assert.ok(warning.includes(base), warning);
    assert.match(warning, /HTTP 500 \(database is down\)/);
    const refused = `http://127.0.0.1:${await closedPort()}/ping/abc`;
    const w2 = (await pingHealthcheck(refused, 'start', 'x')) ?? 'null';
    assert.ok(w2.includes(`${refused}/start`), w2);
    assert.match(w2, /connection refused/);
  });

  it('a server that never answers is a timeout warning, within the timeout', async () => {
    behave = 'silent';
    const t0 = Date.now();
    const warning = await pingHealthcheck(base, 'start', 'x', 300);
    const took = Date.now() - t0;
    assert.equal(seen.length, 1, 'the request reached the server');
    assert.match(warning ?? 'null', /no answer within 0\.3 s/);
    assert.ok(took >= 250 && took < 1500, `took ${took} ms`);
  });

  it('a URL that is not one is a warning too', async () => {
    assert.match((await pingHealthcheck('not a url', 'start', 'x')) ?? 'null', /"not a url" is not a URL/);
  });
});

describe('scheduler hooks', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ctx: HookContext = {
    hook: 'on_failure',
    jobId: 'nightly',
    description: 'the nightly backup of /srv',
    runId: 42,
    result: 'fail',
    exitCode: 1,
    level: null,
    bytes: null,
    durationMs: 12_345,
    backupName: 'srv',
    error: 'action 1 (backup): exit code 1: no space left',
    startedMs: NOW - 12_345,
    endedMs: NOW,
    catchUp: true,
  };

  it('a shell hook sees PERMAFROST_* variables (empty when null) and the JSON on stdin, added to the env', async () => {
    const env = path.join(dir, 'env');
    const stdin = path.join(dir, 'stdin');
    const run = await runHook(`env > '${env}'; cat > '${stdin}'; echo oops >&2; exit 4`, ctx, { env: { ...process.env, KEPT: 'yes' } });
    assert.deepEqual(
      { exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut, error: run.error },
      {
        exitCode: 4,
        signal: null,
        timedOut: false,
        error: null,
      },
    );
    assert.equal(run.stderr, 'oops\n');
    const vars = Object.fromEntries(
      fs
        .readFileSync(env, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('PERMAFROST_') || l.startsWith('KEPT='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.deepEqual(vars, {
      KEPT: 'yes',
      PERMAFROST_HOOK: 'on_failure',
      PERMAFROST_JOB_ID: 'nightly',
      PERMAFROST_DESCRIPTION: 'the nightly backup of /srv',
      PERMAFROST_RUN_ID: '42',
      PERMAFROST_RESULT: 'fail',
      PERMAFROST_EXIT_CODE: '1',
      PERMAFROST_LEVEL: '',
      PERMAFROST_BYTES: '',
      PERMAFROST_DURATION_SECONDS: '12.345',
      PERMAFROST_BACKUP_NAME: 'srv',
      PERMAFROST_ERROR: 'action 1 (backup): exit code 1: no space left',
      PERMAFROST_STARTED_AT: new Date(NOW - 12_345).toISOString(),
      PERMAFROST_ENDED_AT: new Date(NOW).toISOString(),
      PERMAFROST_CATCH_UP: '1',
    });
    assert.deepEqual(JSON.parse(fs.readFileSync(stdin, 'utf8')), {
      hook: 'on_failure',
      job_id: 'nightly',
      description: 'the nightly backup of /srv',
      run_id: 42,
      result: 'fail',
      exit_code: 1,
      level: null,
      bytes: null,
      duration_ms: 12_345,
      backup_name: 'srv',
      error: 'action 1 (backup): exit code 1: no space left',
      started_ms: NOW - 12_345,
      ended_ms: NOW,
      catch_up: true,
    });
  });

  it('an argv hook runs without a shell: spaces, $HOME and backquotes stay literal; cwd is honoured', async () => {
    const out = path.join(dir, 'argv.json');
    const script = 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }))';
    const run = await runHook([process.execPath, '-e', script, out, 'two words', '$HOME', '`id`;echo x'], ctx, { cwd: dir });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), { args: ['two words', '$HOME', '`id`;echo x'], cwd: fs.realpathSync(dir) });
  });

  it('a hook that never reads stdin (1 MiB of JSON waiting) exits without an EPIPE in our process', async () => {
    const big = { ...ctx, error: 'x'.repeat(1 << 20) };
    const run = await runHook('exit 3', big, {});
    assert.equal(run.exitCode, 3);
    assert.equal(run.error, null);
  });

  it('a program that does not exist is reported, not thrown', async () => {
    const run = await runHook([path.join(dir, 'no-such-program')], ctx, {});
    assert.equal(run.exitCode, null);
    assert.match(run.error ?? 'null', /no-such-program.*did not start: .*ENOENT/);
  });

  it('a timed-out hook that ignores SIGTERM is killed with its child process group after 2 s', async () => {
    const pidFile = path.join(dir, 'pid');
    const t0 = Date.now();
    // An ignored signal stays ignored in the children sh starts: only SIGKILL ends either.
    const run = await runHook(`trap '' TERM; sleep 60 & echo $! > '${pidFile}'; wait`, ctx, { timeoutMs: 300 });
    const took = Date.now() - t0;
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGKILL');
    assert.ok(took >= 2200 && took < 5000, `took ${took} ms`);
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(`the hook's child ${child} gone`, () => !isRunning(child), 2000);
  });

  it('a timed-out hook that heeds SIGTERM ends at once, and an abort stops one too', async () => {
    const t0 = Date.now();
    const run = await runHook('sleep 60', ctx, { timeoutMs: 200 });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGTERM');
    assert.ok(Date.now() - t0 < 1500);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const aborted = await runHook('sleep 60', ctx, { signal: abort.signal });
    assert.deepEqual([aborted.aborted, aborted.timedOut, aborted.signal], [true, false, 'SIGTERM']);
  });

  it('a hook that leaves a background process holding stderr returns when it exits', async () => {
    const pidFile = path.join(dir, 'pid');
    const t0 = Date.now();
    const run = await runHook(`sleep 30 & echo $! > '${pidFile}'; echo done >&2; exit 0`, ctx, {});
    assert.equal(run.exitCode, 0);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.equal(run.stderr, 'done\n');
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
  });

  it('hooksFor: on_success or on_failure first, then finally; unset ones left out', () => {
    const hooks = { onSuccess: 'ok.sh', onFailure: ['alert', '--job', 'x'], finally: 'cleanup.sh' };
    assert.deepEqual(hooksFor('success', hooks), [
      { hook: 'on_success', command: 'ok.sh' },
      { hook: 'finally', command: 'cleanup.sh' },
    ]);
    assert.deepEqual(hooksFor('fail', hooks), [
      { hook: 'on_failure', command: ['alert', '--job', 'x'] },
      { hook: 'finally', command: 'cleanup.sh' },
    ]);
    assert.deepEqual(hooksFor('aborted', { ...hooks, finally: null }), [{ hook: 'on_failure', command: ['alert', '--job', 'x'] }]);
    assert.deepEqual(hooksFor('success', { onSuccess: null, onFailure: 'x', finally: null }), []);
  });
});
