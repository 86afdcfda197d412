// Fleet mode end to end: bin/permafrost-scheduler without -n takes its jobs from the real
// freezer-api 13 (test/services/freezer-api.sh), runs them through permafrost-agent and reports
// back; every check is made with Freezer's own `freezer` CLI (python3-freezerclient 5): a
// one-shot backup, freezer-tempest-plugin's scheduler checks, a two-node session on MariaDB,
// the API stopped for 20 s during a run, and authentication through a real Keystone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { backupRows, freezerApiControl, freezerCli, startFreezerApiOrSkip } from './helpers/freezer-api.js';
import { SCHEDULER, SchedulerHarness, sleep } from './helpers/scheduler.js';
import { startSwiftOrSkip } from './helpers/swift.js';

/** Each run its own names: the service's database outlives runs. */
const RUN = randomBytes(4).toString('hex');

/** The daemon in API mode: no -n, this node's client id, a 2 s poll, the service's OS_* in its environment. */
class FleetScheduler extends SchedulerHarness {
  constructor(
    readonly clientId: string,
    readonly env: Record<string, string>,
  ) {
    super('pf-fleet-');
  }

  override base(): string[] {
    return ['-c', this.clientId, '-i', '2', '-f', this.jobsDir, '--state-dir', this.stateDir];
  }

  startApi(): ReturnType<SchedulerHarness['start']> {
    return this.start([], this.env);
  }

  /** A verb as an operator runs it, with the service's env and no other OS_*. */
  verb(args: string[]): { status: number; stdout: string; stderr: string } {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const r = spawnSync(process.execPath, [SCHEDULER, ...this.base(), '--log-file', this.logFile, ...args], {
      encoding: 'utf8',
      env: { ...clean, ...this.env },
      timeout: 60_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** A file of the test's own (job and session documents, data to back up). */
  file(name: string, content: string): string {
    const f = path.join(this.root, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
    return f;
  }
}

/** A one-shot backup of a small directory to a local container, both under the harness's root. */
function backupJob(
  h: FleetScheduler,
  name: string,
  before: unknown[] = [],
): { doc: Record<string, unknown>; src: string; container: string } {
  const src = path.join(h.root, `src-${name}`);
  const container = path.join(h.root, `container-${name}`);
  h.file(`src-${name}/a.txt`, `alpha ${RUN}\n`);
  h.file(`src-${name}/sub/b.bin`, randomBytes(4096).toString('base64'));
  fs.mkdirSync(container);
  const doc = {
    description: `fleet ${name} ${RUN}`,
    job_actions: [
      ...before,
      {
        freezer_action: {
          action: 'backup',
          mode: 'fs',
          path_to_backup: src,
          backup_name: `fleet-${name}-${RUN}`,
          container,
          storage: 'local',
        },
        max_retries: 1,
        max_retries_interval: 1,
      },
    ],
    job_schedule: {},
  };
  return { doc, src, container };
}

async function jobCreate(env: Record<string, string>, h: FleetScheduler, doc: unknown, clientId = h.clientId): Promise<string> {
  const { stdout, stderr } = await freezerCli(env, [
    'job-create',
    '--file',
    h.file(`job-${randomBytes(3).toString('hex')}.json`, JSON.stringify(doc)),
    '-C',
    clientId,
  ]);
  const id = /Job (\w+) created/.exec(stdout + stderr)?.[1];
  assert.ok(id, `job-create said: ${stdout} ${stderr}`);
  return id;
}

async function jobShow(env: Record<string, string>, jobId: string): Promise<Record<string, string>> {
  return JSON.parse((await freezerCli(env, ['job-show', jobId, '-f', 'json'])).stdout) as Record<string, string>;
}

/** Polls `freezer job-show` until the job is completed; its Status and Result then. */
async function jobEnds(env: Record<string, string>, jobId: string, h: FleetScheduler, timeoutMs = 60_000): Promise<Record<string, string>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobShow(env, jobId);
    if (job.Status === 'completed') return job;
    if (Date.now() > until) assert.fail(`job ${jobId} not completed in the API: ${JSON.stringify(job)}\n--- log ---\n${h.log()}`);
    await sleep(1000);
  }
}

/** Runs the daemon started for the job, from its log: a completed job leaves the state store (freezer-scheduler's "REMOVE"). */
function runsLogged(h: FleetScheduler, jobId: string): number {
  return h
    .log()
    .split('\n')
    .filter((l) => l.includes(`job ${jobId}: running (`)).length;
}

function assertBackedUp(container: string): void {
  const files = fs.readdirSync(container, { recursive: true }) as string[];
  assert.ok(
    files.some((f) => fs.statSync(path.join(container, f)).isFile()),
    `the backup wrote nothing into ${container}: ${JSON.stringify(files)}`,
  );
}

describe('scheduler: fleet mode against the real freezer-api (sqlite, noauth)', function () {
  let env: Record<string, string>;
  const harnesses: FleetScheduler[] = [];
  const harness = (name: string) => {
    const h = new FleetScheduler(`${env.OS_PROJECT_ID}_${name}-${RUN}`, env);
    harnesses.push(h);
    return h;
  };

  before(async function () {
    this.timeout(180_000);
    env = await startFreezerApiOrSkip(this);
  });

  afterEach(async function () {
    this.timeout(60_000);
    for (const h of harnesses.splice(0)) {
      h.verb(['stop']); // a detached daemon of the tempest checks
      await h.cleanup();
    }
  });

  it('runs a one-shot backup made by `freezer job-create`: job-show says completed/success, backup-list shows its metadata', async function () {
    this.timeout(90_000);
    const h = harness('oneshot');
    const { doc, src, container } = backupJob(h, 'oneshot');
    const jobId = await jobCreate(env, h, doc);
    await h.startApi();
    const job = await jobEnds(env, jobId, h);
    assert.equal(job.Result, 'success', h.log());
    assert.equal(job['Client ID'], h.clientId);
    assertBackedUp(container);
    const rows = (await backupRows(env)).filter((r) => r[2] === src);
    assert.equal(rows.length, 1, `one backup of ${src} in freezer backup-list`);
    // freezer-scheduler's poll skips completed jobs: the daemon forgets it and does not run it again
    await h.waitFor('the completed job to be forgotten', () => h.log().includes(`job ${jobId}: removed`), 10_000);
    await sleep(4500);
    assert.equal(runsLogged(h, jobId), 1, h.log());
    assert.deepEqual([(await jobShow(env, jobId)).Status, h.daemon!.exitCode], ['completed', null]);
  });

  it("passes freezer-tempest-plugin's scheduler checks: start, status, reload, restart, stop exit 0; --no-daemon start registers; job-start runs", async function () {
    this.timeout(120_000);
    const h = harness('tempest');
    for (const verb of ['start', 'status', 'reload', 'restart', 'status', 'stop']) {
      const r = h.verb([verb]);
      assert.equal(r.status, 0, `${verb} exited ${r.status}: ${r.stdout} ${r.stderr}\n${h.log()}`);
      if (verb === 'status') assert.match(r.stdout, /^Running with pid: \d+/);
    }
    assert.match(h.verb(['status']).stdout, /^Not Running/);

    const fg = harness('tempest-fg');
    await fg.startApi();
    const clients = (await freezerCli(env, ['client-list', '--limit', '100000', '-f', 'value'])).stdout;
    assert.ok(
      clients.split('\n').some((l) => l.split(' ')[0] === fg.clientId),
      `${fg.clientId} in freezer client-list:\n${clients}`,
    );
    const { doc, container } = backupJob(fg, 'tempest');
    const jobId = await jobCreate(env, fg, doc);
    await freezerCli(env, ['job-start', jobId]);
    const job = await jobEnds(env, jobId, fg);
    assert.equal(job.Result, 'success', fg.log());
    assertBackedUp(container);
  });

  it('keeps running while the API is stopped for 20 s mid-run; the result and the backup metadata arrive once it is back', async function () {
    this.timeout(150_000);
    const h = harness('down');
    const { doc, src, container } = backupJob(h, 'down', [
      { freezer_action: { action: 'exec', command: 'sleep 8' }, max_retries: 0, max_retries_interval: 1 },
    ]);
    const jobId = await jobCreate(env, h, doc);
    await h.startApi();
    await h.waitFor('the run to start', () => h.runs(jobId).length === 1, 30_000);
    await freezerApiControl('stop');
    try {
      await sleep(20_000);
      assert.equal(h.daemon!.exitCode, null, `the daemon exited while the API was down\n${h.log()}`);
      const [run] = h.runs(jobId);
      assert.equal(run.result, 'success', 'the run ended while the API was down');
      assert.match(h.log(), /the Freezer API failed/);
    } finally {
      await freezerApiControl('start');
    }
    const job = await jobEnds(env, jobId, h, 60_000);
    assert.equal(job.Result, 'success', h.log());
    assertBackedUp(container);
    const until = Date.now() + 30_000;
    let rows: string[][] = [];
    while (Date.now() < until && (rows = (await backupRows(env)).filter((r) => r[2] === src)).length === 0) await sleep(1000);
    assert.equal(rows.length, 1, `the backup of ${src} in freezer backup-list\n${h.log()}`);
    assert.match(h.log(), /the Freezer API answers again/);
  });
});

describe('scheduler: fleet mode, sessions of two nodes on freezer-api with MariaDB', function () {
  let env: Record<string, string>;
  const harnesses: FleetScheduler[] = [];

  before(async function () {
    this.timeout(180_000);
    env = await startFreezerApiOrSkip(this, ['--mariadb']);
  });

  after(async function () {
    for (const h of harnesses) await h.cleanup();
  });

  it('runs both member jobs on their own nodes; the session ends completed/success', async function () {
    this.timeout(120_000);
    const a = new FleetScheduler(`${env.OS_PROJECT_ID}_node-a-${RUN}`, env);
    const b = new FleetScheduler(`${env.OS_PROJECT_ID}_node-b-${RUN}`, env);
    harnesses.push(a, b);
    const jobA = await jobCreate(env, a, backupJob(a, 'sa').doc);
    const jobB = await jobCreate(env, b, backupJob(b, 'sb').doc);
    const sessionFile = a.file('session.json', JSON.stringify({ description: `fleet session ${RUN}`, hold_off: 30, schedule: {} }));
    const { stdout, stderr } = await freezerCli(env, ['session-create', '--file', sessionFile]);
    const created = stdout + stderr;
    const sessionId = /Session (\w+) created/.exec(created)?.[1];
    assert.ok(sessionId, `session-create said: ${created}`);
    for (const jobId of [jobA, jobB]) await freezerCli(env, ['session-add-job', '--session-id', sessionId, '--job-id', jobId]);
    // started before the nodes see them: a job without an event would start on its own (Freezer's autostart) and again on job-start
    for (const jobId of [jobA, jobB]) await freezerCli(env, ['job-start', jobId]);
    await Promise.all([a.startApi(), b.startApi()]);

    for (const [jobId, h] of [
      [jobA, a],
      [jobB, b],
    ] as const) {
      const job = await jobEnds(env, jobId, h);
      assert.equal(job.Result, 'success', h.log());
      assert.equal(job['Session ID'], sessionId);
      assert.equal(runsLogged(h, jobId), 1, `${jobId} ran once on its own node\n${h.log()}`);
    }
    const session = JSON.parse((await freezerCli(env, ['session-show', sessionId, '-f', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(session.Status, 'completed', JSON.stringify(session));
    assert.equal(session.Result, 'success', JSON.stringify(session));
    assert.equal(session['Session tag'], 1, 'one session run: the first start opened it, the second joined it');
    assert.match(a.log() + b.log(), /session start/);
  });

  // freezer-scheduler 13 defect 6
  it("a new run of the session waits for every member: the other node's entry from the last run does not complete it", async function () {
    this.timeout(180_000);
    const a = new FleetScheduler(`${env.OS_PROJECT_ID}_twice-a-${RUN}`, env);
    const b = new FleetScheduler(`${env.OS_PROJECT_ID}_twice-b-${RUN}`, env);
    harnesses.push(a, b);
    const jobA = await jobCreate(env, a, backupJob(a, 'ta').doc);
    const jobB = await jobCreate(env, b, backupJob(b, 'tb').doc);
    const sessionFile = a.file('session2.json', JSON.stringify({ description: `twice ${RUN}`, hold_off: 1, schedule: {} }));
    const created = await freezerCli(env, ['session-create', '--file', sessionFile]);
    const sessionId = /Session (\w+) created/.exec(created.stdout + created.stderr)![1];
    for (const jobId of [jobA, jobB]) await freezerCli(env, ['session-add-job', '--session-id', sessionId, '--job-id', jobId]);
    const show = async () =>
      JSON.parse((await freezerCli(env, ['session-show', sessionId, '-f', 'json'])).stdout) as Record<string, unknown>;
    for (const jobId of [jobA, jobB]) await freezerCli(env, ['job-start', jobId]);
    await Promise.all([a.startApi(), b.startApi()]);
    for (const [jobId, h] of [
      [jobA, a],
      [jobB, b],
    ] as const)
      assert.equal((await jobEnds(env, jobId, h)).Result, 'success');
    // The nodes report the session's end through their outboxes, after the job's end: wait for it.
    const completed = async () => {
      const until = Date.now() + 20_000;
      let s = await show();
      while (s.Status !== 'completed' && Date.now() < until) {
        await sleep(1000);
        s = await show();
      }
      return s;
    };
    assert.equal((await completed()).Status, 'completed');

    // Run 2: node A alone. Its end must not complete the session: B has not run yet.
    await sleep(1500); // past hold_off
    await freezerCli(env, ['job-start', jobA]);
    await a.waitFor('the second run of A', () => runsLogged(a, jobA) === 2, 60_000);
    await jobEnds(env, jobA, a);
    await sleep(2500); // A's end reported
    const midway = await show();
    assert.notEqual(midway.Status, 'completed', `the session completed without B: ${JSON.stringify(midway)}`);
    assert.equal(midway['Session tag'], 2);
    // Then B runs: the session completes.
    await freezerCli(env, ['job-start', jobB]);
    await b.waitFor('the second run of B', () => runsLogged(b, jobB) === 2, 60_000);
    await jobEnds(env, jobB, b);
    const end = await completed();
    assert.equal(end.Status, 'completed', `${JSON.stringify(end)}\n--- A ---\n${a.log()}\n--- B ---\n${b.log()}`);
    assert.equal(end.Result, 'success');
  });
});

describe('scheduler: fleet mode through a real Keystone (keystonemiddleware authtoken)', function () {
  let env: Record<string, string>;
  let h: FleetScheduler | undefined;

  before(async function () {
    this.timeout(300_000);
    await startSwiftOrSkip(this, true);
    env = await startFreezerApiOrSkip(this, ['--keystone']);
  });

  after(async function () {
    await h?.cleanup();
  });

  it('authenticates with the OS_* password, finds the API in the catalog and completes a job made by `freezer job-create`', async function () {
    this.timeout(90_000);
    const { OS_BACKUP_URL: _url, ...catalogOnly } = env;
    h = new FleetScheduler(`${env.OS_PROJECT_ID}_ks-${RUN}`, catalogOnly);
    const { doc, container } = backupJob(h, 'ks');
    const jobId = await jobCreate(catalogOnly, h, doc);
    await h.startApi();
    const job = await jobEnds(catalogOnly, jobId, h);
    assert.equal(job.Result, 'success', h.log());
    assertBackedUp(container);
    const clients = (await freezerCli(catalogOnly, ['client-list', '--limit', '100000', '-f', 'value'])).stdout;
    assert.ok(clients.includes(h.clientId), `${h.clientId} registered through Keystone`);
  });
});
