// A job document (docs/SCHEDULER.md §2), checked field by field: Freezer's shape
// (freezer-api's schema: job_actions, job_schedule with exactly its keys) plus permafrost's
// own schedule keys (schedule_cron, catchup, jitter_seconds, overlap). A document that does
// not hold is refused with a message naming the job and the field; it never reaches the
// loop that runs the others (freezer-scheduler 13 crash-loops on a bad date or interval).
import { OPTIONS } from '../config/options.js';
import { didYouMean } from '../base/suggest.js';
import { CRON_FIELDS, CronFieldError, cronSchedule, hasCronFields, type CronFields } from './cron-fields.js';
import { DateFormatError, parseJobDate } from './dates.js';
import { IntervalFormatError, parseInterval, type Interval } from './interval.js';
import type { Trigger } from './trigger.js';
import { Cron } from 'croner';

export const EVENTS = ['', 'start', 'stop', 'abort', 'remove'] as const;
export const STATUSES = ['', 'completed', 'stop', 'scheduled', 'running', 'aborting', 'removed'] as const;
export const RESULTS = ['', 'success', 'fail', 'aborted'] as const;
export const CATCHUP = ['none', 'latest'] as const;
export const OVERLAP = ['skip', 'queue', 'cancel-old'] as const;

export interface JobAction {
  /** The agent's options for this step, by their INI names (`path_to_backup`). */
  freezerAction: Record<string, string | number | boolean>;
  /** Retries after the first try. */
  maxRetries: number;
  /** Seconds before the first retry (each later one waits twice as long, up to the cap). */
  maxRetriesInterval: number;
  /** A failed mandatory action ends the job's run. */
  mandatory: boolean;
}

export interface JobSchedule {
  event: (typeof EVENTS)[number];
  status: (typeof STATUSES)[number];
  result: (typeof RESULTS)[number];
  /** What runs it: freezer-scheduler's choice (a date, else an interval, else cron), or null: once, at start. */
  trigger: Trigger | null;
  /** A run that fell due while the daemon was down: run it once on start (latest) or not. */
  catchup: (typeof CATCHUP)[number];
  /** Upper bound of the delay added to each run (jitter.ts). */
  jitterSeconds: number;
  /** When the job is still running at its next time. */
  overlap: (typeof OVERLAP)[number];
  /** Commands run after a run (hooks.ts): on success, on failure (fail or aborted), and after either. */
  hooks: { onSuccess: HookCommand | null; onFailure: HookCommand | null; finally: HookCommand | null };
  /** A healthchecks-style URL pinged at the start (/start), success (the URL) and failure (/fail) of each run, or null. */
  healthcheckUrl: string | null;
}

/** A hook: a string runs through /bin/sh -c (the job file is the operator's own), a list as argv without a shell. */
export type HookCommand = string | string[];

export interface JobDocument {
  jobId: string;
  clientId: string | undefined;
  description: string;
  sessionId: string;
  actions: JobAction[];
  schedule: JobSchedule;
}

export class JobDocumentError extends Error {
  constructor(
    readonly job: string,
    readonly field: string,
    reason: string,
  ) {
    super(`job ${job}: ${field}: ${reason}`);
  }
}

const TOP_KEYS = new Set([
  'job_id',
  'client_id',
  'user_id',
  'project_id',
  'description',
  'session_id',
  'session_tag',
  'session_name',
  '_version',
  'action_defaults',
  'job_actions',
  'job_schedule',
]);
const SCHEDULE_KEYS = new Set([
  'time_created',
  'time_started',
  'time_ended',
  'current_pid',
  'event',
  'status',
  'result',
  'schedule_date',
  'schedule_interval',
  'schedule_start_date',
  'schedule_end_date',
  'schedule_cron',
  ...CRON_FIELDS.map((f) => `schedule_${f}`),
  'catchup',
  'jitter_seconds',
  'overlap',
  'on_success',
  'on_failure',
  'finally',
  'healthcheck_url',
]);
const ACTION_KEYS = new Set(['freezer_action', 'max_retries', 'max_retries_interval', 'mandatory', 'action_id', 'user_id', 'project_id']);
const AGENT_KEYS = new Set(OPTIONS.map((o) => o.dest));
const JOB_ID = /^[\w-]+$/;

/**
 * Checks `raw` (a parsed JSON document) and returns it typed. `name` names the job in
 * messages when it has no job_id (a file name).
 */
export function parseJobDocument(raw: unknown, name: string): JobDocument {
  const job = isObject(raw) && typeof raw.job_id === 'string' && raw.job_id ? `"${raw.job_id}"` : name;
  const fail = (field: string, reason: string) => new JobDocumentError(job, field, reason);
  if (!isObject(raw)) throw fail('(document)', `is ${kind(raw)}, not a JSON object`);
  for (const key of Object.keys(raw)) if (!TOP_KEYS.has(key)) throw fail(key, `is not a key of a job document${didYouMean(key, TOP_KEYS)}`);
  const jobId = optionalString(raw, 'job_id', fail) ?? '';
  if (jobId && !JOB_ID.test(jobId)) throw fail('job_id', `"${jobId}" may hold only letters, digits, '_' and '-'`);
  const defaults = raw.action_defaults === undefined ? {} : raw.action_defaults;
  if (!isObject(defaults)) throw fail('action_defaults', `is ${kind(defaults)}, not an object`);
  if (!Array.isArray(raw.job_actions))
    throw fail('job_actions', raw.job_actions === undefined ? 'is missing' : `is ${kind(raw.job_actions)}, not a list`);
  const actions = raw.job_actions.map((a, i) => parseAction(a, `job_actions[${i}]`, defaults, fail));
  const scheduleRaw = raw.job_schedule ?? {};
  if (!isObject(scheduleRaw)) throw fail('job_schedule', `is ${kind(scheduleRaw)}, not an object`);
  return {
    jobId,
    clientId: optionalString(raw, 'client_id', fail),
    description: optionalString(raw, 'description', fail) ?? '',
    sessionId: optionalString(raw, 'session_id', fail) ?? '',
    actions,
    schedule: parseSchedule(scheduleRaw, fail),
  };
}

type Fail = (field: string, reason: string) => JobDocumentError;

function parseAction(raw: unknown, at: string, defaults: Record<string, unknown>, fail: Fail): JobAction {
  if (!isObject(raw)) throw fail(at, `is ${kind(raw)}, not an object`);
  for (const key of Object.keys(raw))
    if (!ACTION_KEYS.has(key)) throw fail(`${at}.${key}`, `is not a key of a job action${didYouMean(key, ACTION_KEYS)}`);
  if (!isObject(raw.freezer_action))
    throw fail(`${at}.freezer_action`, raw.freezer_action === undefined ? 'is missing' : `is ${kind(raw.freezer_action)}, not an object`);
  const freezerAction: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries({ ...defaults, ...raw.freezer_action })) {
    const field = `${at}.freezer_action.${key}`;
    if (!AGENT_KEYS.has(key)) throw fail(field, `is not an option of permafrost-agent${didYouMean(key, AGENT_KEYS)}`);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw fail(field, `is ${kind(value)}; an option's value is a string, a number or true/false`);
    if (typeof value === 'string' && /[\r\n]/.test(value)) throw fail(field, 'holds a line break');
    freezerAction[key] = value;
  }
  return {
    freezerAction,
    maxRetries: integer(raw, 'max_retries', at, 0, 0, 1000, fail),
    maxRetriesInterval: integer(raw, 'max_retries_interval', at, 60, 0, 7 * 86_400, fail),
    mandatory: boolean(raw, 'mandatory', at, false, fail),
  };
}

function parseSchedule(raw: Record<string, unknown>, fail: Fail): JobSchedule {
  for (const key of Object.keys(raw))
    if (!SCHEDULE_KEYS.has(key)) throw fail(`job_schedule.${key}`, `is not a key of job_schedule${didYouMean(key, SCHEDULE_KEYS)}`);
  const text = (key: string) => optionalString(raw, key, (f, r) => fail(`job_schedule.${f}`, r));
  const date = (key: string) => {
    const v = text(key);
    if (v === undefined || v === '') return undefined;
    try {
      return parseJobDate(v);
    } catch (err) {
      if (err instanceof DateFormatError) throw fail(`job_schedule.${key}`, err.message);
      throw err;
    }
  };
  const startMs = date('schedule_start_date');
  const endMs = date('schedule_end_date');
  const window = { startMs, endMs: endMs !== undefined && startMs !== undefined && endMs < startMs ? undefined : endMs };
  let trigger: Trigger | null = null;
  const at = date('schedule_date');
  const interval = text('schedule_interval');
  const cronExpression = text('schedule_cron');
  const fields: CronFields = {};
  for (const f of CRON_FIELDS) {
    const v = raw[`schedule_${f}`];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number') throw fail(`job_schedule.schedule_${f}`, `is ${kind(v)}, not a cron field`);
    fields[f] = String(v);
  }
  if (at !== undefined) trigger = { kind: 'once', at };
  else if (interval) trigger = intervalTrigger(interval, window, fail);
  else if (cronExpression) trigger = { kind: 'cron', cron: cronOf(cronExpression, fail), ...window };
  else if (hasCronFields(fields)) trigger = { kind: 'cron', cron: cronOfFields(fields, fail), ...window };
  return {
    event: choice(raw, 'event', EVENTS, '', fail),
    status: choice(raw, 'status', STATUSES, '', fail),
    result: choice(raw, 'result', RESULTS, '', fail),
    trigger,
    catchup: choice(raw, 'catchup', CATCHUP, 'latest', fail),
    jitterSeconds: integer(raw, 'jitter_seconds', 'job_schedule', 0, 0, 86_400, fail),
    overlap: choice(raw, 'overlap', OVERLAP, 'skip', fail),
    hooks: { onSuccess: hook(raw, 'on_success', fail), onFailure: hook(raw, 'on_failure', fail), finally: hook(raw, 'finally', fail) },
    healthcheckUrl: httpUrl(raw, 'healthcheck_url', fail),
  };
}

function hook(raw: Record<string, unknown>, key: string, fail: Fail): HookCommand | null {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string') && v[0]) return v;
  throw fail(
    `job_schedule.${key}`,
    `is ${kind(v)}; a hook is a shell command (a string) or a program and its arguments (a list of strings)`,
  );
}

function httpUrl(raw: Record<string, unknown>, key: string, fail: Fail): string | null {
  const v = optionalString(raw, key, (f, r) => fail(`job_schedule.${f}`, r));
  if (!v) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw fail(`job_schedule.${key}`, `"${v}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`job_schedule.${key}`, `"${v}" is not an http or https URL`);
  return v.replace(/\/+$/, '');
}

function intervalTrigger(value: string, window: { startMs?: number; endMs?: number }, fail: Fail): Trigger {
  let parsed: Interval;
  try {
    parsed = parseInterval(value);
  } catch (err) {
    if (err instanceof IntervalFormatError) throw fail('job_schedule.schedule_interval', err.message);
    throw err;
  }
  return { kind: 'interval', everyMs: parsed.seconds * 1000, continuous: parsed.continuous, ...window };
}

function cronOf(expression: string, fail: Fail): Cron {
  try {
    // A cron expression means what it means in crontab(5): Sunday = 0, day of month OR day of week.
    return new Cron(expression, { paused: true, mode: '5-or-6-parts' });
  } catch (err) {
    throw fail(
      'job_schedule.schedule_cron',
      `"${expression}" is not a cron expression (5 fields, or 6 with seconds first): ${(err as Error).message}`,
    );
  }
}

function cronOfFields(fields: CronFields, fail: Fail): Cron {
  try {
    return cronSchedule(fields);
  } catch (err) {
    if (err instanceof CronFieldError) throw fail(`job_schedule.schedule_${err.field}`, err.message);
    throw err;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string "${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function optionalString(raw: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw fail(key, `is ${kind(v)}, not a string`);
  return v;
}

function integer(raw: Record<string, unknown>, key: string, at: string, dflt: number, min: number, max: number, fail: Fail): number {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  // freezerclient and hand-written files send numbers as strings too ("3").
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw fail(`${at}.${key}`, `is ${kind(v)}; it is a whole number from ${min} to ${max}`);
  return n;
}

function boolean(raw: Record<string, unknown>, key: string, at: string, dflt: boolean, fail: Fail): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw fail(`${at}.${key}`, `is ${kind(v)}, not true or false`);
}

function choice<T extends string>(raw: Record<string, unknown>, key: string, allowed: readonly T[], dflt: T, fail: Fail): T {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw fail(
    `job_schedule.${key}`,
    `is ${kind(v)}; it is one of ${allowed
      .filter((a) => a)
      .map((a) => `"${a}"`)
      .join(', ')}${allowed.includes('' as T) ? ' or ""' : ''}`,
  );
}
