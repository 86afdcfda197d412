// Fleet mode's feed (docs/SCHEDULER.md §10): the jobs of this client id from a Freezer API
// server, polled as freezer-scheduler polls them, and what the daemon tells the API (status
// PATCHes, backup metadata, session ends) through a durable outbox in the state store: an API
// that is down or restarting costs a delay, never a result, even across a daemon restart.
import os from 'node:os';
import type { FreezerApi } from '../api/freezer-api.js';
import { FreezerApiError } from '../api/http-json.js';
import type { JobEvent } from '../job-state.js';
import type { RunOutcome } from '../records.js';
import type { JobRunResult } from '../run-job.js';
import type { StateStore } from '../store/state-store.js';
import type { FeedRefresh, JobFeed, JobReport } from './feed.js';
import type { SchedulerLog } from './log.js';

/** job_schedule keys the scheduler reports: not part of what the job is, so a change in them is no new document. */
const REPORTED = ['status', 'event', 'result', 'time_started', 'time_ended', 'current_pid', 'time_created'];
const EVENTS = new Set(['start', 'stop', 'abort', 'remove']);
/** Longest wait between tries of the outbox while the API is down. */
const MAX_BACKOFF_MS = 30_000;

interface Known {
  /** The job as the API last gave it (PATCHes send it back with the new job_schedule, as freezer-scheduler does). */
  doc: Record<string, unknown>;
  schedule: Record<string, unknown>;
}

export class ApiFeed implements JobFeed {
  private readonly known = new Map<string, Known>();
  private flushing: Promise<void> = Promise.resolve();
  private nextFlushMs = 0;
  private backoffMs = 1000;
  private down = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly api: FreezerApi,
    private readonly store: StateStore,
    private readonly log: SchedulerLog,
    readonly clientId: string,
  ) {
    this.timer = setInterval(() => void this.flush(), 1000);
  }

  /** Registers this node (a client id already registered is fine) and returns the feed. */
  static async open(api: FreezerApi, store: StateStore, log: SchedulerLog, clientId: string): Promise<ApiFeed> {
    const r = await api.registerClient(clientId, os.hostname());
    log.log('info', `client ${clientId} ${r === 'created' ? 'registered' : 'already registered'} with the Freezer API`);
    return new ApiFeed(api, store, log, clientId);
  }

  async refresh(): Promise<FeedRefresh> {
    let docs: Record<string, unknown>[];
    try {
      docs = await this.api.activeJobs(this.clientId);
      this.up();
    } catch (err) {
      this.failed('polling the jobs', err);
      return { jobs: this.store.listJobs().map((j) => ({ jobId: j.jobId, event: '' })), complete: false };
    }
    const now = Date.now();
    const jobs: FeedRefresh['jobs'] = [];
    for (const doc of docs) {
      const jobId = typeof doc.job_id === 'string' ? doc.job_id : '';
      if (!jobId) continue;
      const schedule = isObject(doc.job_schedule) ? doc.job_schedule : {};
      this.known.set(jobId, { doc, schedule: { ...schedule } });
      const stable: Record<string, unknown> = { ...doc, job_schedule: withoutReported(schedule) };
      for (const k of ['project_id', 'user_id', 'session_tag']) delete stable[k];
      // The API's own keys of each action (action_id, user_id, project_id) stay: they are part of the job.
      this.store.putJob(jobId, JSON.stringify(stable), 'api', null, now);
      const event = typeof schedule.event === 'string' && EVENTS.has(schedule.event) ? (schedule.event as JobEvent) : '';
      jobs.push({ jobId, event });
    }
    void this.flush();
    return { jobs, complete: true };
  }

  report(jobId: string, r: JobReport): void {
    const known = this.known.get(jobId);
    if (!known) return;
    const s = known.schedule;
    s.status = r.status;
    s.event = r.event;
    s.result = r.result;
    if (r.timeStarted !== undefined) s.time_started = r.timeStarted;
    if (r.timeEnded !== undefined) s.time_ended = r.timeEnded;
    if (r.currentPid !== undefined) s.current_pid = r.currentPid;
    if (r.status !== 'running' && s.time_started !== undefined && s.time_started !== -1 && r.timeEnded === undefined && s.time_ended === -1)
      s.time_ended = Math.floor(Date.now() / 1000);
    // Only the latest state of a job matters: older pending PATCHes of it are dropped.
    for (const item of this.store.peekOutbox(1000)) if (item.kind === 'patch' && item.jobId === jobId) this.store.dequeue(item.id);
    this.store.enqueue('patch', jobId, { job_schedule: { ...s } });
    void this.flush();
  }

  runEnded(jobId: string, run: JobRunResult, outcome: RunOutcome): void {
    for (const action of run.actions) {
      const metadata = action.tries.at(-1)?.metadata;
      if (metadata) this.store.enqueue('backup', jobId, { ...metadata, job_id: jobId });
    }
    const known = this.known.get(jobId);
    const sessionId = typeof known?.doc.session_id === 'string' ? known.doc.session_id : '';
    if (sessionId) {
      const tag = typeof known?.doc.session_tag === 'number' ? known.doc.session_tag : 0;
      this.store.enqueue('session-end', jobId, { sessionId, tag, result: outcome.result });
    }
    void this.flush();
  }

  /** A member of a session asks to start (up to 5 tries, as freezer-scheduler); the run goes on whatever the answer. */
  async runStarting(jobId: string): Promise<void> {
    const known = this.known.get(jobId);
    const sessionId = typeof known?.doc.session_id === 'string' ? known.doc.session_id : '';
    if (!known || !sessionId) return;
    const tag = typeof known.doc.session_tag === 'number' ? known.doc.session_tag : 0;
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const r = await this.api.sessionStart(sessionId, jobId, tag);
        this.log.job(jobId, 'session start', { session_id: sessionId, tag, answer: r.result, session_tag: r.session_tag });
        if (r.result === 'success') {
          known.doc.session_tag = r.session_tag;
          await this.resetStaleMembers(sessionId, jobId);
          return;
        }
        // hold-off or out-of-sync: tried again with the same tag, as freezer-scheduler does (taking
        // the session's tag instead would open a new session run of its own).
      } catch (err) {
        this.log.job(jobId, 'session start failed', { session_id: sessionId, error: (err as Error).message }, 'warning');
      }
    }
    this.log.job(jobId, 'session not joined; the job runs anyway', { session_id: sessionId }, 'warning');
  }

  /**
   * The session runs (this job opened or joined its current run): the other members' entries
   * that started before this run still say how the previous one ended, and freezer-api would
   * call the session completed as soon as this job ends (freezer-scheduler 13 leaves them, and a
   * session completes before the others ran). They are set back to "not ended"; each member's
   * own start and end then count for this run.
   */
  private async resetStaleMembers(sessionId: string, jobId: string): Promise<void> {
    try {
      const session = await this.api.getSession(sessionId);
      if (!session) return;
      const runStart = typeof session.time_start === 'number' ? session.time_start : -1;
      const jobs = isObject(session.jobs) ? session.jobs : {};
      const reset: Record<string, unknown> = {};
      for (const [id, entry] of Object.entries(jobs)) {
        if (id === jobId || !isObject(entry)) continue;
        const started = typeof entry.time_started === 'number' ? entry.time_started : -1;
        if (started < runStart && entry.status === 'completed') reset[id] = { ...entry, status: 'scheduled', result: '', time_ended: -1 };
      }
      if (Object.keys(reset).length === 0) return;
      await this.api.patchSession(sessionId, { jobs: reset });
      this.log.job(jobId, 'session members of the last run reset', { session_id: sessionId, members: Object.keys(reset).length });
    } catch (err) {
      this.log.job(jobId, 'session members not reset', { session_id: sessionId, error: (err as Error).message }, 'warning');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.nextFlushMs = 0;
    await this.flush();
  }

  /** Sends what the outbox holds, in order; stops at the first failure and tries again after a growing wait. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (Date.now() < this.nextFlushMs) return;
      for (;;) {
        const [item] = this.store.peekOutbox(1);
        if (!item) return;
        try {
          await this.send(item.kind, item.jobId, item.body as Record<string, unknown>);
          this.store.dequeue(item.id);
          this.up();
        } catch (err) {
          if (err instanceof FreezerApiError && !err.retryable) {
            // The API refused it for good (a job deleted meanwhile): keeping it would block the rest.
            this.log.log('warning', `the Freezer API refused a ${item.kind} of job ${item.jobId}: ${err.message}; dropped`);
            this.store.dequeue(item.id);
            continue;
          }
          this.store.markAttempt(item.id);
          this.failed(`sending a ${item.kind} of job ${item.jobId}`, err);
          this.nextFlushMs = Date.now() + this.backoffMs;
          this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
          return;
        }
      }
    });
    return this.flushing;
  }

  private async send(kind: string, jobId: string | null, body: Record<string, unknown>): Promise<void> {
    switch (kind) {
      case 'patch': {
        const known = jobId ? this.known.get(jobId) : undefined;
        // freezer-scheduler sends the whole job with its schedule; sqlalchemy's PATCH replaces each top-level key it gets.
        const doc = known ? { ...withoutServerKeys(known.doc), ...body } : body;
        await this.api.patchJob(jobId!, doc);
        return;
      }
      case 'backup':
        await this.api.postBackup(body);
        return;
      case 'session-end':
        await this.api.sessionEnd(body.sessionId as string, jobId!, body.tag as number, body.result as string);
        return;
    }
    throw new Error(`unknown outbox item ${kind}`);
  }

  private up(): void {
    if (this.down) this.log.log('info', 'the Freezer API answers again');
    this.down = false;
    this.backoffMs = 1000;
    this.nextFlushMs = 0;
  }

  private failed(what: string, err: unknown): void {
    if (!this.down) this.log.log('warning', `the Freezer API failed ${what}: ${(err as Error).message}; going on, and trying again`);
    this.down = true;
  }
}

function withoutReported(schedule: Record<string, unknown>): Record<string, unknown> {
  const out = { ...schedule };
  for (const k of REPORTED) delete out[k];
  return out;
}

function withoutServerKeys(doc: Record<string, unknown>): Record<string, unknown> {
  const { job_schedule: _schedule, ...rest } = doc;
  return rest;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
