// permafrost-scheduler's command line: freezer-scheduler's options and config files, the
// verbs' exit codes per error class (README), and `next`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closedPort } from './helpers/net.js';
import { SchedulerHarness } from './helpers/scheduler.js';

describe('permafrost-scheduler command line', function () {
  this.timeout(60_000);
  let h: SchedulerHarness;
  beforeEach(() => (h = new SchedulerHarness('pf-sched-cli-')));
  afterEach(() => h.cleanup());

  const job = (extra: Record<string, unknown> = {}) => ({
    job_actions: [{ freezer_action: { action: 'exec', command: 'true' } }],
    job_schedule: { schedule_interval: '6 hours', schedule_start_date: '2030-01-01T00:00:00' },
    ...extra,
  });

  it('usage errors exit 2 and name what is wrong: an unknown verb, a mistyped option, a refused one', () => {
    const verb = h.cli(['frobnicate']);
    assert.equal(verb.status, 2);
    assert.match(verb.stderr, /unknown verb "frobnicate"/);
    const option = h.cli(['--concurent-jobs', '2', 'status']);
    assert.equal(option.status, 2);
    assert.match(option.stderr, /--concurent-jobs.*--concurrent-jobs/);
    const syslog = h.cli(['--use-syslog', 'status']);
    assert.equal(syslog.status, 2);
    assert.match(syslog.stderr, /--use-syslog is not supported/);
    const noJob = h.cli(['job-get']);
    assert.equal(noJob.status, 2);
    assert.match(noJob.stderr, /job-get needs a job: -j\/--job-id ID/);
    assert.match(h.cli(['--help']).stdout, /job-list .*\n[\s\S]*exit codes: 0 ok/);
  });

  it("takes freezer-scheduler's option spellings: --concurrent_jobs, --nono-api, unique prefixes", () => {
    const file = path.join(h.root, 'job.json');
    fs.writeFileSync(file, JSON.stringify(job()));
    assert.equal(h.cli(['--concurrent_jobs', '3', '--client', 'node7', 'job-create', '--file', file]).status, 0);
    const [created] = h.jobs();
    assert.equal((JSON.parse(h.cli(['job-get', '-j', created.jobId]).stdout) as { client_id: string }).client_id, 'node7');
    // --nono-api: no longer standalone, so job-list asks the Freezer API, which is not configured.
    const api = h.cli(['--nono-api', 'job-list'], { OS_AUTH_URL: '', OS_BACKUP_URL: '' });
    assert.equal(api.status, 2);
    assert.match(api.stderr, /no Freezer API: set --os-backup-url or --os-auth-url/);
  });

  it("reads --config-file's [DEFAULT] keys by dest name; an unknown key there exits 3", () => {
    const file = path.join(h.root, 'job.json');
    fs.writeFileSync(file, JSON.stringify(job()));
    const conf = path.join(h.root, 'scheduler.conf');
    fs.writeFileSync(conf, `[DEFAULT]\nclient_id = from-config\nno_api = true\nstate_dir = ${h.stateDir}\n`);
    const r = h.cli(['--config-file', conf, 'job-create', '--file', file]);
    assert.equal(r.status, 0, r.stderr);
    const id = /Job (\w+) created/.exec(r.stdout)![1];
    assert.equal((JSON.parse(h.cli(['job-get', '-j', id]).stdout) as { client_id: string }).client_id, 'from-config');
    // The command line wins over the file.
    const r2 = h.cli(['--config-file', conf, '-c', 'from-argv', 'job-create', '--file', file]);
    const id2 = /Job (\w+) created/.exec(r2.stdout)![1];
    assert.equal((JSON.parse(h.cli(['job-get', '-j', id2]).stdout) as { client_id: string }).client_id, 'from-argv');
    fs.writeFileSync(conf, '[DEFAULT]\nclient-idd = x\n');
    const bad = h.cli(['--config-file', conf, 'job-list']);
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /scheduler\.conf \[DEFAULT\]: "client-idd" is not a scheduler setting/);
  });

  it('exit 14 for a refused job document, naming the job and field; 15 for no such job', () => {
    const file = path.join(h.root, 'bad.json');
    fs.writeFileSync(file, JSON.stringify(job({ job_id: 'bad', job_schedule: { schedule_interval: '3 fortnights' } })));
    const refused = h.cli(['job-create', '--file', file]);
    assert.equal(refused.status, 14);
    assert.match(refused.stderr, /job "bad": job_schedule\.schedule_interval: "3 fortnights"/);
    assert.equal(h.jobs().length, 0, 'nothing stored');
    for (const verb of ['job-get', 'job-start', 'job-abort', 'job-delete', 'run-list', 'next']) {
      const r = h.cli([verb, '-j', 'nope']);
      assert.equal(r.status, 15, `${verb}: ${r.stderr}`);
      assert.match(r.stderr, /no job nope/);
    }
  });

  it('exit 17 when the state store is not a SQLite database; 16 when the Freezer API cannot be reached', async () => {
    fs.mkdirSync(h.stateDir, { recursive: true });
    fs.writeFileSync(path.join(h.stateDir, 'scheduler.db'), 'not a database at all, just text\n'.repeat(100));
    const store = h.cli(['job-list']);
    assert.equal(store.status, 17);
    assert.match(store.stderr, /scheduler\.db/);
    const port = await closedPort();
    const api = h.cli(['--nono-api', 'job-list'], {
      OS_BACKUP_URL: `http://127.0.0.1:${port}`,
      OS_TOKEN: 'token',
      OS_PROJECT_ID: 'proj',
      OS_AUTH_URL: '',
    });
    assert.equal(api.status, 16, api.stderr);
    assert.match(api.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  it('--use-json logs JSON lines: one per job state change and run, with the job and the details', async () => {
    h.writeJob('j.conf', { job_id: 'j', job_actions: [{ freezer_action: { action: 'exec', command: 'exit 4' } }], job_schedule: {} });
    await h.start(['--use-json']);
    await h.waitFor('the run', () => h.jobs().find((x) => x.jobId === 'j')?.runsTotal === 1);
    await h.stop();
    const lines = h
      .log()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l.job_id === 'j').map((l) => l.event);
    assert.deepEqual(mine, ['added', 'scheduled', 'running', 'run fail', 'completed']);
    const failed = lines.find((l) => l.event === 'run fail')!;
    assert.equal(failed.level, 'warning');
    assert.equal(failed.exit_code, 4);
    assert.match(String(failed.error), /exit 4/);
    assert.ok(lines.every((l) => typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time))));
  });

  it('next -j ID -n 3 prints the next three start times of the schedule', () => {
    const file = path.join(h.root, 'job.json');
    fs.writeFileSync(file, JSON.stringify(job({ job_id: 'six' })));
    assert.equal(h.cli(['job-create', '--file', file]).status, 0);
    const out = h.cli(['next', '-j', 'six', '-n', '3']);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    const first = new Date(2030, 0, 1).getTime();
    const json = JSON.parse(h.cli(['next', '-j', 'six', '--count', '3', '--json']).stdout) as { time: string }[];
    assert.deepEqual(
      json.map((t) => Date.parse(t.time)),
      [0, 1, 2].map((i) => first + i * 6 * 3600_000),
    );
  });
});
