// The scheduler's Freezer API client (src/scheduler/api) against the real freezer-api 13
// (test/services/freezer-api.sh: sqlite + noauth, v1, and token validation by a real Keystone),
// checked with the real `freezer` CLI (python3-freezerclient 5) and a recording proxy for the
// HTTP sent: client registration, the active-jobs poll paged as freezer-scheduler pages it,
// PATCH keeping job_schedule, job events, backups, sessions, errors and a stopped API.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FreezerApi } from '../src/scheduler/api/freezer-api.js';
import { FreezerApiError, HttpJson } from '../src/scheduler/api/http-json.js';
import { apiSettingsFrom } from '../src/scheduler/api/settings.js';
import { backupRows, freezerApiControl, freezerCli, recordingProxy, startFreezerApiOrSkip } from './helpers/freezer-api.js';
import { closedPort } from './helpers/net.js';
import { startSwiftOrSkip } from './helpers/swift.js';

/** Each run its own names: the service's database outlives runs. */
const RUN = randomBytes(4).toString('hex');

async function rejection(p: Promise<unknown>): Promise<FreezerApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FreezerApiError) return err;
    throw err;
  }
  assert.fail('expected a FreezerApiError');
}

const infoJob = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  description: `test job ${RUN}`,
  job_actions: [{ freezer_action: { action: 'info' }, max_retries: 1, max_retries_interval: 5 }],
  job_schedule: { schedule_interval: '4 hours', schedule_start_date: '2030-01-01T00:00:00' },
  ...extra,
});

function jsonFile(doc: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-fz-api-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'doc.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('scheduler: the Freezer API client against the real freezer-api (sqlite, noauth)', function () {
  let env: Record<string, string>;
  let api: FreezerApi;

  before(async function () {
    this.timeout(180_000);
    env = await startFreezerApiOrSkip(this);
    api = await FreezerApi.connect(apiSettingsFrom({}, env));
  });

  it('takes the project id from Keystone and names the client <project id>_<hostname>', function () {
    assert.equal(api.projectId, env.OS_PROJECT_ID);
    assert.equal(api.defaultClientId('node-1'), `${env.OS_PROJECT_ID}_node-1`);
    assert.equal(api.baseUrl, env.OS_BACKUP_URL);
  });

  it('registers a client (created), again (exists: the 409 is not an error), and the freezer CLI lists it', async function () {
    const id = api.defaultClientId(`reg-${RUN}`);
    assert.equal(await api.registerClient(id, `reg-${RUN}`, 'registered by the test'), 'created');
    assert.equal(await api.registerClient(id, `reg-${RUN}`), 'exists');
    const listed = JSON.parse((await freezerCli(env, ['client-list', '--limit', '10000', '-f', 'json'])).stdout) as Array<
      Record<string, string>
    >;
    const mine = listed.filter((c) => c['Client ID'] === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].hostname, `reg-${RUN}`);
    assert.equal(mine[0].description, 'registered by the test');
  });

  it("sees a job made by `freezer job-create` among its client's active jobs, not another client's; a completed one drops out", async function () {
    const mine = api.defaultClientId(`cli-${RUN}`);
    const other = api.defaultClientId(`other-${RUN}`);
    const { stdout, stderr } = await freezerCli(env, ['job-create', '--file', jsonFile(infoJob('')), '-C', mine]);
    const jobId = /Job (\w+) created/.exec(stdout + stderr)?.[1];
    assert.ok(jobId, `job-create said: ${stdout} ${stderr}`);
    const active = await api.activeJobs(mine);
    assert.deepEqual(
      active.map((j) => j.job_id),
      [jobId],
    );
    assert.equal(active[0].client_id, mine);
    assert.deepEqual((active[0].job_schedule as Record<string, unknown>).schedule_interval, '4 hours');
    assert.deepEqual(await api.activeJobs(other), []);
    await api.patchJob(jobId, { job_schedule: { ...(active[0].job_schedule as object), status: 'completed', result: 'success' } });
    assert.deepEqual(await api.activeJobs(mine), []);
  });

  it("pages the active jobs by 10 until a short page, with freezer-scheduler's search body on each GET: 23 jobs in 3 requests, no GET / (freezer-api 13 sends its versions document empty)", async function () {
    const clientId = api.defaultClientId(`page-${RUN}`);
    const made = new Set<string>();
    for (let i = 0; i < 23; i++) made.add(await api.createJob(infoJob(clientId, { description: `page job ${i}` })));
    const proxy = await recordingProxy(env.OS_BACKUP_URL);
    try {
      const viaProxy = await FreezerApi.connect(apiSettingsFrom({ os_backup_url: proxy.url }, env));
      const active = await viaProxy.activeJobs(clientId);
      assert.equal(active.length, 23);
      assert.deepEqual(new Set(active.map((j) => j.job_id as string)), made);
      // Exactly these: connecting reads no versions document (GET /, empty on falcon 3.1: defect 11).
      assert.deepEqual(
        proxy.seen.map((r) => `${r.method} ${r.url}`),
        [0, 10, 20].map((o) => `GET /v2/${env.OS_PROJECT_ID}/jobs/?limit=10&offset=${o}`),
      );
      for (const r of proxy.seen) {
        assert.deepEqual(JSON.parse(r.body), { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] });
        assert.ok(r.token, 'each request carries the token from Keystone');
      }
    } finally {
      await proxy.close();
    }
  });

  it('keeps job_schedule on a PATCH without one, which freezer-api itself would erase', async function () {
    const clientId = api.defaultClientId(`patch-${RUN}`);
    const jobId = await api.createJob(infoJob(clientId));
    await api.patchJob(jobId, { description: 'patched' });
    const job = await api.getJob(jobId);
    assert.equal(job?.description, 'patched');
    assert.equal((job?.job_schedule as Record<string, unknown>).schedule_interval, '4 hours');
    // why the client sends it: the same PATCH straight to freezer-api loses the schedule
    const raw = await new HttpJson({ timeoutMs: 10_000, insecure: false }).request(
      'PATCH',
      `${env.OS_BACKUP_URL}/v2/${env.OS_PROJECT_ID}/jobs/${jobId}`,
      { description: 'patched raw' },
    );
    assert.equal(raw.status, 200);
    const after = await api.getJob(jobId);
    assert.equal((after?.job_schedule as Record<string, unknown>).schedule_interval, undefined);
  });

  it('creates a job under its own id (POST /jobs/{id}), replaces it, deletes it; a missing job is null', async function () {
    const jobId = `fixed-${RUN}`;
    const clientId = api.defaultClientId(`fixed-${RUN}`);
    assert.equal(await api.createJob(infoJob(clientId, { job_id: jobId })), jobId);
    assert.equal(await api.createJob(infoJob(clientId, { job_id: jobId, description: 'replaced' })), jobId);
    assert.equal((await api.getJob(jobId))?.description, 'replaced');
    const listed = await api.listJobs({ match: [{ client_id: clientId }] });
    assert.deepEqual(
      listed.map((j) => j.job_id),
      [jobId],
    );
    await api.deleteJob(jobId);
    assert.equal(await api.getJob(jobId), null);
  });

  it('sends a start event (success), then again ("start already requested"); the job shows the event', async function () {
    const jobId = await api.createJob(infoJob(api.defaultClientId(`event-${RUN}`)));
    assert.equal(await api.jobEvent(jobId, 'start'), 'success');
    assert.equal(await api.jobEvent(jobId, 'start'), 'start already requested');
    assert.equal(((await api.getJob(jobId))?.job_schedule as Record<string, unknown>).event, 'start');
    assert.equal(await api.jobEvent(jobId, 'stop'), 'success');
    assert.equal(((await api.getJob(jobId))?.job_schedule as Record<string, unknown>).event, 'stop');
  });

  it('posts backup metadata that `freezer backup-list` then shows', async function () {
    const hostname = `bk-${RUN}`;
    const backupId = await api.postBackup({
      container: `/tmp/pf-${RUN}`,
      hostname,
      backup_name: `b-${RUN}`,
      path_to_backup: '/etc/hostname',
      time_stamp: 1_700_000_000,
      curr_backup_level: 0,
      job_id: `j-${RUN}`,
    });
    assert.match(backupId, /^[0-9a-f]{32}$/);
    const rows = (await backupRows(env)).map((r) => r.join(' '));
    assert.ok(rows.includes(`${backupId} ${hostname} /etc/hostname`), `backup ${backupId} in freezer backup-list:\n${rows.join('\n')}`);
    const mine = (await api.listBackups(undefined, 100_000)).filter((b) => b.backup_id === backupId);
    assert.equal((mine[0]?.backup_metadata as Record<string, unknown>).backup_name, `b-${RUN}`);
  });

  it('goes through a session round-trip: too-high tag refused, start increments the tag, hold-off, a late joiner, end completes it', async function () {
    const a = await api.createJob(infoJob(api.defaultClientId(`sa-${RUN}`)));
    const b = await api.createJob(infoJob(api.defaultClientId(`sb-${RUN}`)));
    const sessionId = await api.createSession({ description: `session ${RUN}`, hold_off: 60, schedule: { schedule_interval: '1 days' } });
    await api.addJobToSession(sessionId, a);
    await api.addJobToSession(sessionId, b);
    // the member takes the session's schedule
    assert.deepEqual((await api.getJob(a))?.job_schedule, { schedule_interval: '1 days' });
    assert.equal((await api.getJob(a))?.session_id, sessionId);

    const tooHigh = await rejection(api.sessionStart(sessionId, a, 5));
    assert.equal(tooHigh.status, 400);
    assert.match(tooHigh.description, /requested tag value too high/);
    assert.equal(tooHigh.retryable, false);
    assert.deepEqual(await api.sessionStart(sessionId, a, 0), { result: 'success', session_tag: 1 });
    assert.deepEqual(await api.sessionStart(sessionId, a, 1), { result: 'hold-off', session_tag: 1 });
    // b still holds tag 0: it joins the run a opened, the tag stays
    assert.deepEqual(await api.sessionStart(sessionId, b, 0), { result: 'success', session_tag: 1 });
    assert.deepEqual(await api.sessionEnd(sessionId, a, 1, 'success'), { result: 'success', session_tag: 1 });
    let session = await api.getSession(sessionId);
    assert.equal(session?.status, 'running');
    assert.deepEqual(await api.sessionEnd(sessionId, b, 1, 'fail'), { result: 'success', session_tag: 1 });
    session = await api.getSession(sessionId);
    assert.equal(session?.status, 'completed');
    assert.equal(session?.result, 'fail');
    const jobs = session?.jobs as Record<string, Record<string, unknown>>;
    assert.equal(jobs[a].result, 'success');
    assert.equal(jobs[b].result, 'fail');
    assert.equal(await api.getSession(`missing-${RUN}`), null);
    const shown = await freezerCli(env, ['session-show', sessionId, '-f', 'json']);
    assert.match(shown.stdout, new RegExp(sessionId));
  });

  it("turns freezer-api's 404 and 400 into FreezerApiError with freezer's description, not retryable", async function () {
    const notFound = await rejection(api.patchJob(`missing-${RUN}`, { description: 'x', job_schedule: {} }));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.retryable, false);
    assert.match(notFound.message, /^Error 404: /);
    const noClient = await rejection(api.createJob({ job_actions: [], job_schedule: {} }));
    assert.equal(noClient.status, 400);
    assert.equal(noClient.title, 'Bad request format');
    assert.equal(noClient.description, "'client_id' is a required property");
    assert.equal(
      noClient.message,
      `Error 400: 'client_id' is a required property (POST ${env.OS_BACKUP_URL}/v2/${env.OS_PROJECT_ID}/jobs/)`,
    );
    const badId = await rejection(api.registerClient('bad client!', 'x'));
    assert.equal(badId.status, 400);
    assert.match(badId.description, /'bad client!' does not match/);
    const badBackup = await rejection(api.postBackup({ hostname: 'x', backup_name: 'y' }));
    assert.equal(badBackup.description, 'Bad Data Format');
  });

  it('with os_backup_url, os_token and os_project_id asks no Keystone (its URL may be dead)', async function () {
    const dead = `http://127.0.0.1:${await closedPort()}/v3`;
    const direct = await FreezerApi.connect(
      apiSettingsFrom({ os_backup_url: env.OS_BACKUP_URL, os_token: 'any', os_project_id: env.OS_PROJECT_ID, os_auth_url: dead }, {}),
    );
    const jobId = await direct.createJob(infoJob(direct.defaultClientId(`direct-${RUN}`)));
    assert.equal((await api.getJob(jobId))?.job_id, jobId);
    // without the short cut the dead Keystone is an error that names it, retryable
    const ks = await rejection(FreezerApi.connect(apiSettingsFrom({ os_auth_url: dead, os_username: 'u', os_password: 'p' }, {})));
    assert.equal(ks.status, 0);
    assert.equal(ks.retryable, true);
    assert.match(ks.message, /Keystone: cannot reach .*ECONNREFUSED/);
  });

  it('reports a stopped API as a retryable error (connection refused) and works again once it is back', async function () {
    this.timeout(120_000);
    const clientId = api.defaultClientId(`down-${RUN}`);
    const jobId = await api.createJob(infoJob(clientId));
    await freezerApiControl('stop');
    try {
      const down = await rejection(api.activeJobs(clientId));
      assert.equal(down.status, 0);
      assert.equal(down.retryable, true);
      // Refused, or reset: a kept-alive connection of an earlier request is cut by the stop.
      assert.match(down.message, /ECONNREFUSED|ECONNRESET/);
      assert.match(down.message, new RegExp(`GET ${env.OS_BACKUP_URL}/v2/`));
    } finally {
      await freezerApiControl('start');
    }
    assert.deepEqual(
      (await api.activeJobs(clientId)).map((j) => j.job_id),
      [jobId],
    );
  });
});

describe('scheduler: apiSettingsFrom', function () {
  it('refuses settings without an API, naming the options', function () {
    assert.throws(() => apiSettingsFrom({}, {}), /no Freezer API: set --os-backup-url or --os-auth-url \(or OS_AUTH_URL\)/);
    assert.throws(() => apiSettingsFrom({ os_backup_url: 'http://h:9090' }, {}), /needs --os-token \(or OS_TOKEN\)/);
    assert.throws(() => apiSettingsFrom({ os_backup_url: 'http://h:9090', os_token: 't' }, {}), /--os-project-id/);
    assert.throws(() => apiSettingsFrom({}, { OS_AUTH_URL: 'http://k/v3' }), /set --os-username and --os-password/);
    assert.throws(
      () => apiSettingsFrom({ os_endpoint_type: 'private' }, { OS_AUTH_URL: 'http://k/v3', OS_TOKEN: 't' }),
      /--os-endpoint-type private/,
    );
  });

  it('takes options over OS_* variables, dashed or underscored names, and v1 without a project id', function () {
    const s = apiSettingsFrom(
      { 'os-username': 'opt-user', insecure: true, os_region_name: '' },
      { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'env-user', OS_PASSWORD: 'pw', OS_REGION_NAME: 'R2', OS_ENDPOINT_TYPE: 'internalURL' },
    );
    assert.equal(s.keystone?.username, 'opt-user');
    assert.equal(s.keystone?.password, 'pw');
    assert.equal(s.keystone?.regionName, 'R2');
    assert.equal(s.keystone?.endpointType, 'internalURL');
    assert.equal(s.http.insecure, true);
    assert.equal(s.apiVersion, 2);
    const v1 = apiSettingsFrom({ os_backup_url: 'http://h:9090/', os_token: 't', enable_v1_api: true }, {});
    assert.equal(v1.keystone, null);
    assert.equal(v1.backupUrl, 'http://h:9090');
    assert.equal(v1.apiVersion, 1);
  });
});

describe('scheduler: the Freezer API client against freezer-api v1 (enable_v1_api)', function () {
  let env: Record<string, string>;

  before(async function () {
    this.timeout(180_000);
    env = await startFreezerApiOrSkip(this, ['--v1']);
  });

  it('uses /v1/ URLs without the project: register, create, poll; `freezer job-list` (API version 1) sees the job', async function () {
    const proxy = await recordingProxy(env.OS_BACKUP_URL);
    try {
      const api = await FreezerApi.connect(apiSettingsFrom({ os_backup_url: proxy.url, enable_v1_api: true }, env));
      const clientId = api.defaultClientId(`v1-${RUN}`);
      assert.equal(await api.registerClient(clientId, `v1-${RUN}`), 'created');
      const jobId = await api.createJob(infoJob(clientId));
      assert.deepEqual(
        (await api.activeJobs(clientId)).map((j) => j.job_id),
        [jobId],
      );
      assert.deepEqual(
        proxy.seen.map((r) => `${r.method} ${r.url} ${r.status}`),
        ['POST /v1/clients/ 201', 'POST /v1/jobs/ 201', 'GET /v1/jobs/?limit=10&offset=0 200'],
      );
      const listed = await freezerCli(env, ['job-list', '-C', clientId, '-f', 'json']);
      assert.match(listed.stdout, new RegExp(jobId));
    } finally {
      await proxy.close();
    }
  });
});

describe('scheduler: the Freezer API client against freezer-api on MariaDB (as a fleet runs it)', function () {
  let env: Record<string, string>;

  before(async function () {
    this.timeout(180_000);
    env = await startFreezerApiOrSkip(this, ['--mariadb']);
  });

  it('registers, polls, patches and opens a session run with the data in MariaDB', async function () {
    assert.match(env.FREEZER_API_DB, /^mysql\+pymysql:/);
    const api = await FreezerApi.connect(apiSettingsFrom({}, env));
    const clientId = api.defaultClientId(`db-${RUN}`);
    assert.equal(await api.registerClient(clientId, `db-${RUN}`), 'created');
    assert.equal(await api.registerClient(clientId, `db-${RUN}`), 'exists');
    const jobId = await api.createJob(infoJob(clientId));
    await api.patchJob(jobId, { description: 'on mariadb' });
    const [job] = await api.activeJobs(clientId);
    assert.equal(job.description, 'on mariadb');
    assert.equal((job.job_schedule as Record<string, unknown>).schedule_interval, '4 hours');
    const sessionId = await api.createSession({ hold_off: 30, schedule: { schedule_interval: '1 days' } });
    await api.addJobToSession(sessionId, jobId);
    assert.deepEqual(await api.sessionStart(sessionId, jobId, 0), { result: 'success', session_tag: 1 });
  });
});

describe('scheduler: the Freezer API client through a real Keystone (keystonemiddleware authtoken)', function () {
  let env: Record<string, string>;

  before(async function () {
    this.timeout(300_000);
    await startSwiftOrSkip(this, true);
    env = await startFreezerApiOrSkip(this, ['--keystone']);
  });

  it('finds the API in the catalog, gets 401 without a token, and takes a new token once when its token is revoked', async function () {
    const { OS_BACKUP_URL: apiUrl, ...noUrl } = env;
    const settings = apiSettingsFrom({}, noUrl);
    assert.equal(settings.backupUrl, null);
    const api = await FreezerApi.connect(settings);
    assert.equal(api.baseUrl, apiUrl, "the catalog's public backup endpoint");
    assert.equal(api.projectId, env.OS_PROJECT_ID);
    assert.equal(await api.registerClient(api.defaultClientId(`ks-${RUN}`), `ks-${RUN}`), 'created');

    const bare = await new HttpJson({ timeoutMs: 10_000, insecure: false }).request('GET', `${apiUrl}/v2/${env.OS_PROJECT_ID}/jobs/`);
    assert.equal(bare.status, 401);

    // the client's token, seen through a proxy, revoked at Keystone: the next call is refused
    // (401), the client authenticates again and repeats the call once
    const proxy = await recordingProxy(apiUrl);
    try {
      const viaProxy = await FreezerApi.connect(apiSettingsFrom({ os_backup_url: proxy.url }, env));
      const clientId = viaProxy.defaultClientId(`ks-${RUN}`);
      const jobId = await viaProxy.createJob(infoJob(clientId));
      const oldToken = proxy.seen[0].token!;
      const http = new HttpJson({ timeoutMs: 10_000, insecure: false });
      const revoked = await http.request('DELETE', `${env.OS_AUTH_URL}/auth/tokens`, undefined, {
        'x-auth-token': oldToken,
        'x-subject-token': oldToken,
      });
      assert.equal(revoked.status, 204);
      assert.deepEqual(
        (await viaProxy.activeJobs(clientId)).map((j) => j.job_id),
        [jobId],
      );
      assert.deepEqual(
        proxy.seen.map((r) => `${r.method} ${r.status} ${r.token === oldToken ? 'old' : 'new'}`),
        ['POST 201 old', 'GET 401 old', 'GET 200 new'],
      );
    } finally {
      await proxy.close();
    }
  });

  it("refuses a wrong password with Keystone's 401, not retryable", async function () {
    const err = await rejection(FreezerApi.connect(apiSettingsFrom({ os_password: 'wrong' }, env)));
    assert.equal(err.status, 401);
    assert.equal(err.retryable, false);
    assert.match(err.message, /^Error 401: Keystone refused the authentication: /);
  });

  it('`freezer job-list` (catalog, real token) sees a job the client made', async function () {
    const api = await FreezerApi.connect(apiSettingsFrom({}, env));
    const clientId = api.defaultClientId(`kscli-${RUN}`);
    const jobId = await api.createJob(infoJob(clientId));
    const { OS_BACKUP_URL: _url, ...noUrl } = env;
    const listed = await freezerCli(noUrl, ['job-list', '-C', clientId, '-f', 'json']);
    assert.match(listed.stdout, new RegExp(jobId));
  });
});
