// The daemon's policies, on the real binaries: overlap (skip, queue, cancel-old) when a job is
// still running at its next time, --concurrent-jobs, hooks with the run's result, healthchecks
// pings to a loopback server, /metrics parsed as Prometheus text, the jobs directory watched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { SchedulerHarness, sleep } from './helpers/scheduler.js';

const sleepJob = (id: string, seconds: number, schedule: Record<string, unknown>) => ({
  job_id: id,
  job_actions: [{ freezer_action: { action: 'exec', command: `sleep ${seconds}` } }],
  job_schedule: schedule,
});

function overlaps(runs: { startedMs: number; endedMs: number | null }[]): number {
  const sorted = [...runs].sort((a, b) => a.startedMs - b.startedMs);
  let n = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i - 1].endedMs === null || sorted[i].startedMs < sorted[i - 1].endedMs!) n++;
  return n;
}

describe('permafrost-scheduler policies', function () {
  this.timeout(120_000);
  let h: SchedulerHarness;
  beforeEach(() => (h = new SchedulerHarness()));
  afterEach(() => h.cleanup());

  it('overlap skip: a 1-second job that runs 2.5 s passes over the times it is busy', async () => {
    h.writeJob('skip.conf', sleepJob('skip', 2.5, { schedule_interval: '1 seconds', overlap: 'skip' }));
    await h.start();
    await sleep(7000);
    await h.stop();
    const runs = h.runs('skip');
    assert.ok(runs.length >= 2 && runs.length <= 3, `${runs.length} runs`);
    assert.equal(overlaps(runs), 0);
    assert.match(h.log(), /job skip: overlap skip/);
    assert.equal(runs.filter((r) => r.catchUp).length, 0, 'a skipped time is not caught up later');
  });

  it('overlap queue: the time due during a run starts as soon as it ends, once', async () => {
    h.writeJob('queue.conf', sleepJob('queue', 2.5, { schedule_interval: '1 seconds', overlap: 'queue' }));
    await h.start();
    await sleep(6500);
    await h.stop();
    const runs = [...h.runs('queue')].reverse();
    assert.ok(runs.length >= 2, `${runs.length} runs`);
    assert.equal(overlaps(runs), 0);
    const gap = runs[1].startedMs - runs[0].endedMs!;
    assert.ok(gap >= 0 && gap < 500, `the queued run started ${gap} ms after the first ended`);
  });

  it('overlap cancel-old: the running run is aborted for the new one', async () => {
    h.writeJob('cancel.conf', sleepJob('cancel', 30, { schedule_interval: '2 seconds', overlap: 'cancel-old' }));
    await h.start();
    await h.waitFor('two runs', () => h.runs('cancel').length >= 2, 15_000);
    const runs = [...h.runs('cancel')].reverse();
    assert.equal(runs[0].result, 'aborted');
    assert.ok(runs[0].endedMs! - runs[0].startedMs < 4500);
  });

  it('--concurrent-jobs 1: two due jobs run one after the other', async () => {
    h.writeJob('a.conf', sleepJob('a', 1.5, {}));
    h.writeJob('b.conf', sleepJob('b', 1.5, {}));
    await h.start(['--concurrent-jobs', '1']);
    await h.waitFor('both runs', () => h.jobs().every((j) => j.runsTotal === 1));
    const all = [...h.runs('a'), ...h.runs('b')];
    assert.equal(overlaps(all), 0);
  });

  it('hooks get the result as environment and JSON on stdin; healthchecks pings start, success and fail', async () => {
    const pings: { method: string; url: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        pings.push({ method: req.method!, url: req.url!, body });
        res.end('OK');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const out = path.join(h.root, 'hook');
      const ok = path.join(h.root, 'ok.txt');
      h.writeJob('hooked.conf', {
        job_id: 'hooked',
        job_actions: [{ freezer_action: { action: 'exec', command: `test -e ${ok}` } }],
        job_schedule: {
          schedule_interval: '2 seconds',
          on_success: `echo "success $PERMAFROST_RESULT $PERMAFROST_EXIT_CODE" >> ${out}.env; cat > ${out}.json`,
          on_failure: ['/bin/sh', '-c', `echo "failure $PERMAFROST_RESULT $PERMAFROST_EXIT_CODE" >> ${out}.env`],
          finally: `echo finally >> ${out}.env`,
          healthcheck_url: `http://127.0.0.1:${port}/ping/abc`,
        },
      });
      await h.start();
      await h.waitFor(
        'a failed run with its hooks',
        () => fs.existsSync(`${out}.env`) && /finally/.test(fs.readFileSync(`${out}.env`, 'utf8')),
      );
      fs.writeFileSync(ok, '');
      await h.waitFor('a successful run', () => fs.existsSync(`${out}.json`) && fs.readFileSync(`${out}.json`, 'utf8').length > 0, 10_000);
      await h.stop();
      const env = fs.readFileSync(`${out}.env`, 'utf8').trim().split('\n');
      assert.deepEqual(env.slice(0, 2), ['failure fail 1', 'finally']);
      assert.ok(env.includes('success success 0'));
      const json = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Record<string, unknown>;
      assert.equal(json.result, 'success');
      assert.equal(json.job_id ?? json.jobId, 'hooked');
      const paths = pings.map((p) => `${p.method} ${p.url}`);
      assert.equal(paths[0], 'POST /ping/abc/start');
      assert.ok(paths.includes('POST /ping/abc/fail'));
      assert.ok(paths.includes('POST /ping/abc'));
    } finally {
      server.close();
    }
  });

  it('/metrics serves each job as Prometheus text, and the textfile holds the same', async () => {
    h.writeJob('m.conf', sleepJob('m', 0, { schedule_interval: '1 seconds' }));
    h.writeJob('never.conf', sleepJob('never', 0, { schedule_date: '2099-01-01T00:00:00' }));
    const textfile = path.join(h.root, 'permafrost.prom');
    const port = 20000 + (process.pid % 20000);
    await h.start(['--metrics-port', String(port), '--metrics-textfile', textfile]);
    await h.waitFor('two runs', () => (h.jobs().find((j) => j.jobId === 'm')?.runsTotal ?? 0) >= 2);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    const family = (name: string) => families.find((f) => f.name === name);
    const value = (name: string, job: string) => family(name)?.metrics.find((m) => m.labels?.job_id === job)?.value;
    assert.equal(family('permafrost_job_runs_total')?.type, 'COUNTER');
    assert.ok(Number(value('permafrost_job_runs_total', 'm')) >= 2);
    assert.ok(Number(value('permafrost_job_last_success_timestamp_seconds', 'm')) > Date.now() / 1000 - 60);
    assert.equal(value('permafrost_job_last_success_timestamp_seconds', 'never'), undefined, 'a job that never ran has no last success');
    assert.equal(Number(value('permafrost_job_next_run_timestamp_seconds', 'never')), new Date(2099, 0, 1).getTime() / 1000);
    await h.waitFor('the textfile', () => fs.existsSync(textfile));
    assert.ok(parsePrometheusTextFormat(fs.readFileSync(textfile, 'utf8')).some((f) => f.name === 'permafrost_job_runs_total'));
  });

  it('the jobs directory is watched: a job added, changed, removed takes effect without a restart; a bad one is refused by name', async () => {
    await h.start();
    const marker = path.join(h.root, 'ran');
    h.writeJob('late.conf', {
      job_id: 'late',
      job_actions: [{ freezer_action: { action: 'exec', command: `touch ${marker}` } }],
      job_schedule: {},
    });
    h.writeJob('bad.conf', { job_id: 'bad', job_actions: [], job_schedule: { schedule_interval: '4 fortnights' } });
    fs.writeFileSync(path.join(h.jobsDir, 'broken.conf'), '{ not json');
    await h.waitFor('the added job ran', () => fs.existsSync(marker), 5000);
    const bad = await h.waitFor('the refused job', () => h.jobs().find((j) => j.jobId === 'bad'));
    assert.match(bad.invalid!, /job "bad": job_schedule\.schedule_interval/);
    assert.match(h.log(), /broken\.conf: not JSON/);
    h.writeJob('late.conf', {
      job_id: 'late',
      job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
      job_schedule: { schedule_interval: '1 hours' },
    });
    await h.waitFor('the change', () => h.job('late').nextRunMs !== null && h.job('late').status === 'scheduled', 5000);
    fs.rmSync(path.join(h.jobsDir, 'late.conf'));
    await h.waitFor('the removal', () => !h.jobs().some((j) => j.jobId === 'late'), 5000);
    assert.equal(h.daemon!.exitCode, null);
  });
});
