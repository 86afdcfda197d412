// The job verbs on the local store (--no-api): job-list, job-get, job-create, job-delete,
// job-start, job-stop, job-abort, run-list and next. Tables for people (job-list as Freezer's
// README shows it, with permafrost's columns after Freezer's), --json for scripts. Events go
// through the store and a wake-up signal to the daemon, which takes them at once.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { SchedulerError } from '../scheduler/daemon/errors.js';
import { JobDocumentError, parseJobDocument } from '../scheduler/job-document.js';
import { hostOffsetMs } from '../scheduler/jitter.js';
import { planNextRun } from '../scheduler/plan.js';
import type { JobRecord, RunRecord } from '../scheduler/records.js';
import type { StateStore } from '../scheduler/store/state-store.js';
import { nextFire } from '../scheduler/trigger.js';
import { boxTable } from './box-table.js';
import { writeOut } from './out.js';
import { openStore, wakeDaemon } from './scheduler-process.js';
import { jobIdOf, type SchedulerSettings } from './scheduler-settings.js';

/** A job is overdue when its next run is this far in the past (the daemon is down or stuck). */
const OVERDUE_MS = 5 * 60_000;

export const JOB_VERBS = [
  'job-list',
  'job-get',
  'job-create',
  'job-delete',
  'job-start',
  'job-stop',
  'job-abort',
  'run-list',
  'next',
] as const;

export function localJobVerb(verb: string, s: SchedulerSettings, args: string[]): number {
  const store = openStore(s);
  try {
    switch (verb) {
      case 'job-list':
        return jobList(store, s);
      case 'job-get':
        return jobGet(store, jobIdOf(s, args, verb));
      case 'job-create':
        return jobCreate(store, s);
      case 'job-delete':
        return jobDelete(store, jobIdOf(s, args, verb));
      case 'job-start':
      case 'job-stop':
      case 'job-abort':
        return jobEvent(store, s, jobIdOf(s, args, verb), verb.slice(4) as 'start' | 'stop' | 'abort');
      case 'run-list':
        return runList(store, s, jobIdOf(s, args, verb));
      case 'next':
        return next(store, s, jobIdOf(s, args, verb), args);
    }
    throw new SchedulerError('USAGE', `unknown verb ${verb}`);
  } finally {
    store.close();
  }
}

function mustGet(store: StateStore, jobId: string): JobRecord {
  const job = store.getJob(jobId);
  if (!job) throw new SchedulerError('NOT_FOUND', `no job ${jobId} in the state store (permafrost-scheduler -n job-list lists them)`);
  return job;
}

function jobList(store: StateStore, s: SchedulerSettings): number {
  const now = Date.now();
  const jobs = store.listJobs();
  if (s.json) {
    writeOut(
      `${JSON.stringify(
        jobs.map((j) => jobJson(j, now)),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const rows = jobs.map((j) => {
    const doc = documentOf(j);
    const actions = Array.isArray(doc.job_actions) ? doc.job_actions.length : 0;
    return [
      j.jobId,
      typeof doc.description === 'string' ? doc.description : '',
      String(actions),
      j.invalid ? 'invalid' : j.status,
      j.event,
      j.result,
      typeof doc.session_id === 'string' ? doc.session_id : '',
      when(j.lastStartMs),
      when(j.lastSuccessMs),
      when(j.nextRunMs),
      isOverdue(j, now) ? 'yes' : '',
      j.runsTotal ? `${j.runsTotal} (${j.failuresTotal} failed)` : '',
      j.lastDurationMs !== null ? `${(j.lastDurationMs / 1000).toFixed(1)} s` : '',
      j.lastBytes !== null ? String(j.lastBytes) : '',
    ];
  });
  const headers = ['job_id', 'description', '# actions', 'status', 'event', 'result', 'session_id'];
  writeOut(`${boxTable([...headers, 'last run', 'last success', 'next run', 'overdue', 'runs', 'duration', 'bytes'], rows)}\n`);
  for (const j of jobs) if (j.invalid) writeOut(`${j.invalid}\n`);
  return 0;
}

function isOverdue(j: JobRecord, now: number): boolean {
  return j.nextRunMs !== null && j.status === 'scheduled' && now - j.nextRunMs > OVERDUE_MS;
}

function jobJson(j: JobRecord, now: number): Record<string, unknown> {
  const { document: _document, ...rest } = j;
  return { ...rest, overdue: isOverdue(j, now), job: documentOf(j) };
}

function documentOf(j: JobRecord): Record<string, unknown> {
  return JSON.parse(j.document) as Record<string, unknown>;
}

function jobGet(store: StateStore, jobId: string): number {
  const j = mustGet(store, jobId);
  const doc = documentOf(j);
  const schedule = { ...(doc.job_schedule as Record<string, unknown> | undefined), status: j.status, event: j.event, result: j.result };
  writeOut(`${JSON.stringify({ ...doc, job_schedule: schedule }, null, 2)}\n`);
  return 0;
}

function jobCreate(store: StateStore, s: SchedulerSettings): number {
  const file = s.values.file as string | undefined;
  if (!file) throw new SchedulerError('USAGE', 'job-create needs --file PATH (a JSON job document)');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SchedulerError('JOB_INVALID', `${file}: ${err instanceof SyntaxError ? 'not JSON: ' : ''}${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SchedulerError('JOB_INVALID', `${file}: not a JSON object (a job document)`);
  const doc = raw as Record<string, unknown>;
  // As freezer-api: a new id unless the document names one; the client id is this node's.
  const jobId = typeof doc.job_id === 'string' && doc.job_id ? doc.job_id : randomUUID().replace(/-/g, '');
  const full = { ...doc, job_id: jobId, ...(s.clientId ? { client_id: s.clientId } : {}) };
  try {
    parseJobDocument(full, file);
  } catch (err) {
    if (err instanceof JobDocumentError) throw new SchedulerError('JOB_INVALID', err.message);
    throw err;
  }
  const existing = store.getJob(jobId);
  if (existing && existing.source === 'dir')
    throw new SchedulerError('USAGE', `job ${jobId} comes from ${existing.sourcePath}; change that file instead`);
  store.putJob(jobId, JSON.stringify(full), 'local', null, Date.now());
  wakeDaemon(s);
  writeOut(`Job ${jobId} created\n`);
  return 0;
}

function jobDelete(store: StateStore, jobId: string): number {
  const j = mustGet(store, jobId);
  if (j.source === 'dir') throw new SchedulerError('USAGE', `job ${jobId} comes from ${j.sourcePath}; remove that file to delete it`);
  store.deleteJob(jobId);
  writeOut(`Job ${jobId} deleted\n`);
  return 0;
}

function jobEvent(store: StateStore, s: SchedulerSettings, jobId: string, event: 'start' | 'stop' | 'abort'): number {
  mustGet(store, jobId);
  store.requestEvent(jobId, event);
  wakeDaemon(s);
  writeOut(`${event[0].toUpperCase()}${event.slice(1)} request sent for job ${jobId}\n`);
  return 0;
}

function runList(store: StateStore, s: SchedulerSettings, jobId: string): number {
  const limit = typeof s.values.limit === 'number' ? s.values.limit : 20;
  const runs = store.listRuns(jobId, limit);
  // A job the daemon dropped (a finished one-shot job of the API, a removed file) keeps its runs.
  if (runs.length === 0) mustGet(store, jobId);
  if (s.json) {
    writeOut(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  const rows = runs.map((r: RunRecord) => [
    String(r.runId),
    when(r.dueMs) + (r.catchUp ? ' (catch-up)' : ''),
    when(r.startedMs),
    r.durationMs !== null ? `${(r.durationMs / 1000).toFixed(1)} s` : r.endedMs === null ? 'running' : '',
    r.result ?? '',
    r.exitCode !== null ? String(r.exitCode) : '',
    r.level !== null ? String(r.level) : '',
    r.bytes !== null ? String(r.bytes) : '',
    r.backupName ?? '',
    r.error ?? '',
  ]);
  writeOut(`${boxTable(['run', 'due', 'started', 'duration', 'result', 'exit code', 'level', 'bytes', 'backup', 'error'], rows)}\n`);
  return 0;
}

/** The job's next start times: the trigger's, shifted by this host's stable jitter offset (the random part is left out). */
function next(store: StateStore, s: SchedulerSettings, jobId: string, args: string[]): number {
  const j = mustGet(store, jobId);
  if (j.invalid) throw new SchedulerError('JOB_INVALID', j.invalid);
  // `next JOB -n 5`: -n is freezer-scheduler's --no-api (next reads the local store anyway), so the count is the number after it.
  const rest = s.values.job_id ? args : args.slice(1);
  const count = typeof s.values.count === 'number' ? s.values.count : /^\d+$/.test(rest[0] ?? '') ? Number(rest[0]) : 5;
  const doc = parseJobDocument(JSON.parse(j.document), jobId);
  const now = Date.now();
  const host = os.hostname();
  const offset = hostOffsetMs(doc.schedule.jitterSeconds * 1000, host, jobId);
  const times: { at: number; catchUp: boolean }[] = [];
  const trigger = doc.schedule.trigger;
  const first = planNextRun(
    { jobId, host, trigger, catchup: doc.schedule.catchup, jitterSeconds: 0, anchorMs: j.anchorMs, lastDueMs: j.lastDueMs },
    now,
    () => 0,
  );
  if (first) times.push({ at: first.catchUp ? now : first.dueMs + offset, catchUp: first.catchUp });
  let after = first ? Math.max(first.dueMs, now) : now;
  while (trigger && first && times.length < count) {
    const t = nextFire(trigger, after, j.anchorMs);
    if (t === null) break;
    times.push({ at: t + offset, catchUp: false });
    after = t;
  }
  if (s.json) writeOut(`${JSON.stringify(times.map((t) => ({ time: new Date(t.at).toISOString(), catch_up: t.catchUp })))}\n`);
  else if (times.length === 0) writeOut(`job ${jobId} has no next run\n`);
  else writeOut(times.map((t) => `${when(t.at)}${t.catchUp ? '  (now: catch-up of a missed run)' : ''}\n`).join(''));
  return 0;
}

/** A time for people: local, to the second, with the zone's offset. */
export function when(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}
