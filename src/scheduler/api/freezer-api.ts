// The Freezer API client of the scheduler: the requests freezer-scheduler 13 and
// python-freezerclient 5 send to freezer-api (clients, jobs, job events, backups, sessions),
// with the same URLs (v2 /v2/{project_id}/..., v1 /v1/..., collections with a trailing slash),
// the same search bodies on GET, and a token from Keystone renewed once when the API says 401.
import os from 'node:os';
import { usageError } from '../../base/errors.js';
import { FreezerApiError, HttpJson, errorFromResponse, type JsonResponse } from './http-json.js';
import { keystoneAuthenticate, type KeystoneCredentials } from './keystone.js';
import type { FreezerApiSettings } from './settings.js';

/** A document as freezer-api stores it (job, backup metadata, session): JSON, keys by Freezer's names. */
export type FreezerDoc = Record<string, unknown>;

/** freezer-api's search body; with sqlalchemy each entry is {key: value} matched on top-level or job_schedule keys. */
export interface FreezerSearch {
  match?: Array<Record<string, unknown>>;
  match_not?: Array<Record<string, unknown>>;
}

export type JobEventName = 'start' | 'stop' | 'abort';

export interface SessionActionResult {
  /** start: success | hold-off | out-of-sync; end: success. */
  result: string;
  session_tag: number;
}

/** freezer-scheduler's page size for the active-jobs poll. */
const ACTIVE_PAGE = 10;
/** A server that ignored `offset` would hand the same full page forever. */
const MAX_ACTIVE_JOBS = 100_000;
/** A token this close to its expiry is renewed before use. */
const TOKEN_MARGIN_MS = 60_000;

interface Auth {
  token: string | null;
  expiresAt: number;
}

export class FreezerApi {
  private constructor(
    private readonly http: HttpJson,
    /** Root URL of the API, no trailing slash. */
    readonly baseUrl: string,
    private readonly project: string | null,
    readonly apiVersion: 1 | 2,
    private auth: Auth,
    private readonly keystone: KeystoneCredentials | null,
  ) {}

  /** Authenticates (unless settings carry a URL and a token) and finds the API's URL. */
  static async connect(settings: FreezerApiSettings): Promise<FreezerApi> {
    const http = new HttpJson(settings.http);
    if (!settings.keystone) {
      return new FreezerApi(
        http,
        settings.backupUrl!,
        settings.projectId,
        settings.apiVersion,
        { token: settings.token, expiresAt: NaN },
        null,
      );
    }
    const t = await keystoneAuthenticate(http, settings.keystone);
    const url = settings.backupUrl ?? t.backupUrl;
    if (!url) {
      const { endpointType, regionName, authUrl } = settings.keystone;
      throw usageError(
        `the Keystone catalog at ${authUrl} has no ${endpointType} "backup" endpoint${regionName ? ` in region ${regionName}` : ''}: set --os-backup-url (or OS_BACKUP_URL)`,
      );
    }
    return new FreezerApi(
      http,
      url,
      settings.projectId ?? t.projectId,
      settings.apiVersion,
      { token: t.token, expiresAt: t.expiresAt },
      settings.keystone,
    );
  }

  /** The project the token is scoped to (or --os-project-id); the v2 URLs carry it. */
  get projectId(): string {
    if (!this.project) throw usageError('the Keystone project id is unknown: set --os-project-id (or OS_PROJECT_ID) or use Keystone');
    return this.project;
  }

  /** freezer-scheduler's default client id: `<project id>_<hostname>`. */
  defaultClientId(hostname: string = os.hostname()): string {
    return `${this.projectId}_${hostname}`;
  }

  // ---------------------------------------------------------------- clients

  /** POST /clients/; a client id that is already registered is not an error (freezer-scheduler ignores the 409). */
  async registerClient(clientId: string, hostname: string, description?: string): Promise<'created' | 'exists'> {
    const doc: FreezerDoc = { client_id: clientId, hostname, ...(description !== undefined ? { description } : {}) };
    const res = await this.call('POST', this.path('clients/'), doc, [201, 409]);
    return res.status === 201 ? 'created' : 'exists';
  }

  // ---------------------------------------------------------------- jobs

  /** The jobs of `clientId` whose status is not completed: freezer-scheduler's poll, page by page of 10 until a short one. */
  async activeJobs(clientId: string): Promise<FreezerDoc[]> {
    const search: FreezerSearch = { match_not: [{ status: 'completed' }], match: [{ client_id: clientId }] };
    const jobs: FreezerDoc[] = [];
    for (let offset = 0; ; offset += ACTIVE_PAGE) {
      const page = await this.listJobs(search, ACTIVE_PAGE, offset);
      jobs.push(...page);
      if (page.length < ACTIVE_PAGE) return jobs;
      if (jobs.length >= MAX_ACTIVE_JOBS) {
        throw new FreezerApiError(
          200,
          'Endless listing',
          `more than ${MAX_ACTIVE_JOBS} active jobs for ${clientId}: is offset ignored?`,
          false,
          'GET',
          this.url('jobs/'),
        );
      }
    }
  }

  /** GET /jobs/?limit&offset with the search as the body (freezerclient sends none without a search). */
  async listJobs(search?: FreezerSearch, limit = 10, offset = 0): Promise<FreezerDoc[]> {
    const res = await this.call('GET', `${this.path('jobs/')}?limit=${limit}&offset=${offset}`, search, [200]);
    return listOf(res, 'jobs');
  }

  /** The job, or null when freezer-api has none with that id. */
  async getJob(jobId: string): Promise<FreezerDoc | null> {
    const res = await this.call('GET', this.path('jobs/', jobId), undefined, [200, 404]);
    return res.status === 404 ? null : objectOf(res);
  }

  /** POST /jobs/ (freezer-api picks the id), or POST /jobs/{job_id} (create or replace) when the doc has one; returns the job id. */
  async createJob(doc: FreezerDoc): Promise<string> {
    const id = typeof doc.job_id === 'string' && doc.job_id ? doc.job_id : '';
    const res = await this.call('POST', this.path('jobs/', id), doc, [201]);
    return stringField(res, 'job_id');
  }

  /**
   * PATCH /jobs/{id}. Each top-level key replaces that part of the job. With the sqlalchemy
   * backend (every real deployment; Elasticsearch 2 is long gone) a PATCH without job_schedule
   * ERASES the schedule (freezer-api inserts an empty one), so a patch that lacks it is sent
   * with the job's current schedule, read just before.
   */
  async patchJob(jobId: string, patch: FreezerDoc): Promise<void> {
    let body = patch;
    if (patch.job_schedule === undefined) {
      const current = await this.getJob(jobId);
      if (!current) throw new FreezerApiError(404, 'Not Found', `no job ${jobId} to patch`, false, 'PATCH', this.url('jobs/', jobId));
      body = { ...patch, job_schedule: current.job_schedule ?? {} };
    }
    await this.call('PATCH', this.path('jobs/', jobId), body, [200]);
  }

  /** DELETE /jobs/{id}; freezer-api answers 204 whether or not it existed. */
  async deleteJob(jobId: string): Promise<void> {
    await this.call('DELETE', this.path('jobs/', jobId), undefined, [204]);
  }

  /** POST /jobs/{id}/event: "success", or "<event> already requested" when that event is pending. */
  async jobEvent(jobId: string, event: JobEventName): Promise<string> {
    const res = await this.call('POST', this.path('jobs/', jobId, '/event'), { [event]: null }, [202]);
    return stringField(res, 'result');
  }

  // ---------------------------------------------------------------- backups

  /** POST /backups/ with the agent's metadata (container, hostname, backup_name required); returns the backup id. */
  async postBackup(metadata: FreezerDoc): Promise<string> {
    const res = await this.call('POST', this.path('backups/'), metadata, [201]);
    return stringField(res, 'backup_id');
  }

  async listBackups(search?: FreezerSearch, limit = 100, offset = 0): Promise<FreezerDoc[]> {
    const res = await this.call('GET', `${this.path('backups/')}?limit=${limit}&offset=${offset}`, search, [200]);
    return listOf(res, 'backups');
  }

  // ---------------------------------------------------------------- sessions

  /** POST /sessions/ (schedule is required); returns the session id. */
  async createSession(doc: FreezerDoc): Promise<string> {
    const res = await this.call('POST', this.path('sessions/'), doc, [201]);
    return stringField(res, 'session_id');
  }

  /** PUT /sessions/{id}/jobs/{job_id}: the job joins the session and takes its schedule. */
  async addJobToSession(sessionId: string, jobId: string): Promise<void> {
    await this.call('PUT', this.path('sessions/', sessionId, `/jobs/${encodeURIComponent(jobId)}`), undefined, [204]);
  }

  async getSession(sessionId: string): Promise<FreezerDoc | null> {
    const res = await this.call('GET', this.path('sessions/', sessionId), undefined, [200, 404]);
    return res.status === 404 ? null : objectOf(res);
  }

  /** PATCH /sessions/{id}: freezer-api merges `jobs` entry by entry and replaces the other keys given. */
  async patchSession(sessionId: string, patch: FreezerDoc): Promise<void> {
    await this.call('PATCH', this.path('sessions/', sessionId), patch, [200]);
  }

  /** A member job starts a run: success (tag maybe incremented), hold-off, or out-of-sync. */
  sessionStart(sessionId: string, jobId: string, tag: number): Promise<SessionActionResult> {
    return this.sessionAction(sessionId, { start: { job_id: jobId, current_tag: tag } });
  }

  /** A member job ends its run with `result`; the session completes when all members have. */
  sessionEnd(sessionId: string, jobId: string, tag: number, result: string): Promise<SessionActionResult> {
    return this.sessionAction(sessionId, { end: { job_id: jobId, current_tag: tag, result } });
  }

  private async sessionAction(sessionId: string, body: FreezerDoc): Promise<SessionActionResult> {
    const res = await this.call('POST', this.path('sessions/', sessionId, '/action'), body, [202]);
    const b = objectOf(res);
    if (typeof b.result !== 'string' || typeof b.session_tag !== 'number') throw badAnswer(res, 'result and session_tag');
    return { result: b.result, session_tag: b.session_tag };
  }

  // ---------------------------------------------------------------- transport

  /** `/v2/{project}/<collection>[<id>[<suffix>]]`, or `/v1/...`. */
  private path(collection: string, id = '', suffix = ''): string {
    const prefix = this.apiVersion === 1 ? '/v1/' : `/v2/${encodeURIComponent(this.projectId)}/`;
    return `${prefix}${collection}${id ? encodeURIComponent(id) : ''}${suffix}`;
  }

  private url(collection: string, id = '', suffix = ''): string {
    return this.baseUrl + this.path(collection, id, suffix);
  }

  private async call(method: string, path: string, body: unknown, expected: number[]): Promise<JsonResponse> {
    const url = this.baseUrl + path;
    if (this.keystone && this.auth.expiresAt - Date.now() < TOKEN_MARGIN_MS) await this.renewToken();
    let res = await this.http.request(method, url, body, this.authHeaders());
    // a token revoked or expired early: one new one, one more try
    if (res.status === 401 && this.keystone) {
      await this.renewToken();
      res = await this.http.request(method, url, body, this.authHeaders());
    }
    if (!expected.includes(res.status)) throw errorFromResponse(res);
    return res;
  }

  private async renewToken(): Promise<void> {
    const t = await keystoneAuthenticate(this.http, this.keystone!);
    this.auth = { token: t.token, expiresAt: t.expiresAt };
  }

  private authHeaders(): Record<string, string> {
    return this.auth.token ? { 'x-auth-token': this.auth.token } : {};
  }
}

function badAnswer(res: JsonResponse, what: string): FreezerApiError {
  return new FreezerApiError(
    res.status,
    'Bad answer',
    `the answer has no ${what}: ${String(JSON.stringify(res.body)).slice(0, 200)}`,
    false,
    res.method,
    res.url,
  );
}

function objectOf(res: JsonResponse): FreezerDoc {
  if (res.body && typeof res.body === 'object' && !Array.isArray(res.body)) return res.body as FreezerDoc;
  throw badAnswer(res, 'JSON object');
}

function listOf(res: JsonResponse, key: string): FreezerDoc[] {
  const list = objectOf(res)[key];
  if (!Array.isArray(list)) throw badAnswer(res, `"${key}" list`);
  return list as FreezerDoc[];
}

function stringField(res: JsonResponse, key: string): string {
  const v = objectOf(res)[key];
  if (typeof v !== 'string') throw badAnswer(res, `"${key}"`);
  return v;
}
