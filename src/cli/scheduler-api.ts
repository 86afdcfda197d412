// Fleet mode: the Freezer API as the daemon's feed, and the job verbs against it as Freezer's
// README shows them (`permafrost-scheduler -c node12 job-create --file test_job.json`, then
// `job-list`). Loaded only without --no-api.
import fs from 'node:fs';
import os from 'node:os';
import { FreezerApi } from '../scheduler/api/freezer-api.js';
import { FreezerApiError } from '../scheduler/api/http-json.js';
import { apiSettingsFrom } from '../scheduler/api/settings.js';
import { ApiFeed } from '../scheduler/daemon/api-feed.js';
import { SchedulerError } from '../scheduler/daemon/errors.js';
import type { JobFeed } from '../scheduler/daemon/feed.js';
import type { SchedulerLog } from '../scheduler/daemon/log.js';
import { JobDocumentError, parseJobDocument } from '../scheduler/job-document.js';
import type { StateStore } from '../scheduler/store/state-store.js';
import { boxTable } from './box-table.js';
import { writeOut } from './out.js';
import { jobIdOf, type SchedulerSettings } from './scheduler-settings.js';

async function connect(s: SchedulerSettings): Promise<{ api: FreezerApi; clientId: string }> {
  const options: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(s.values)) if (typeof v === 'string' || typeof v === 'boolean') options[k] = v;
  try {
    const api = await FreezerApi.connect(apiSettingsFrom(options, process.env));
    return { api, clientId: s.clientId ?? api.defaultClientId(os.hostname()) };
  } catch (err) {
    throw apiError(err);
  }
}

function apiError(err: unknown): SchedulerError {
  if (err instanceof SchedulerError) return err;
  const e = err as Error & { exitCode?: number };
  if (e.exitCode === 2) return new SchedulerError('USAGE', e.message);
  return new SchedulerError('API', `the Freezer API: ${e.message}`, { cause: err });
}

export async function apiFeed(s: SchedulerSettings, store: StateStore, log: SchedulerLog): Promise<JobFeed> {
  const { api, clientId } = await connect(s);
  fs.mkdirSync(s.jobsDir, { recursive: true }); // freezer-scheduler creates it in both modes
  try {
    return await ApiFeed.open(api, store, log, clientId);
  } catch (err) {
    throw apiError(err);
  }
}

export async function apiJobVerb(verb: string, s: SchedulerSettings, args: string[]): Promise<number> {
  const { api, clientId } = await connect(s);
  try {
    switch (verb) {
      case 'job-list': {
        const jobs = await api.listJobs({ match: [{ client_id: clientId }] }, 100, 0);
        if (s.json) writeOut(`${JSON.stringify(jobs, null, 2)}\n`);
        else writeOut(`${boxTable(['job_id', 'description', '# actions', 'status', 'event', 'result', 'session_id'], jobs.map(row))}\n`);
        return 0;
      }
      case 'job-get': {
        const id = jobIdOf(s, args, verb);
        const job = await api.getJob(id);
        if (!job) throw new SchedulerError('NOT_FOUND', `the Freezer API has no job ${id}`);
        writeOut(`${JSON.stringify(job, null, 2)}\n`);
        return 0;
      }
      case 'job-create': {
        const file = s.values.file as string | undefined;
        if (!file) throw new SchedulerError('USAGE', 'job-create needs --file PATH (a JSON job document)');
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
          parseJobDocument({ ...doc, client_id: clientId }, file);
        } catch (err) {
          if (err instanceof JobDocumentError || err instanceof SyntaxError)
            throw new SchedulerError('JOB_INVALID', `${file}: ${err.message}`);
          throw new SchedulerError('JOB_INVALID', `${file}: ${(err as Error).message}`);
        }
        const id = await api.createJob({ ...doc, client_id: clientId });
        writeOut(`Job ${id} created\n`);
        return 0;
      }
      case 'job-delete': {
        const id = jobIdOf(s, args, verb);
        await api.deleteJob(id);
        writeOut(`Job ${id} deleted\n`);
        return 0;
      }
      case 'job-start':
      case 'job-stop':
      case 'job-abort': {
        const id = jobIdOf(s, args, verb);
        const event = verb.slice(4) as 'start' | 'stop' | 'abort';
        const answer = await api.jobEvent(id, event);
        writeOut(`${event[0].toUpperCase()}${event.slice(1)} request sent for job ${id}: ${answer}\n`);
        return 0;
      }
    }
    throw new SchedulerError('USAGE', `${verb} is not a verb of the API mode`);
  } catch (err) {
    if (err instanceof FreezerApiError && err.status === 404) throw new SchedulerError('NOT_FOUND', err.message);
    throw apiError(err);
  }
}

function row(job: Record<string, unknown>): string[] {
  const schedule = (job.job_schedule ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return [
    text(job.job_id),
    text(job.description),
    String(Array.isArray(job.job_actions) ? job.job_actions.length : 0),
    text(schedule.status),
    text(schedule.event),
    text(schedule.result),
    text(job.session_id),
  ];
}
