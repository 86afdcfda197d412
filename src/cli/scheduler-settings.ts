// The scheduler's settings from its resolved option values: where its files go (jobs
// directory, state directory, pid file, log) and how it runs. Defaults follow
// freezer-scheduler's where it has one (jobs directory, interval, concurrent jobs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchedulerError } from '../scheduler/daemon/errors.js';
import type { SchedulerValues } from './scheduler-options.js';

export interface SchedulerSettings {
  clientId: string | undefined;
  pollMs: number;
  jobsDir: string;
  noApi: boolean;
  noDaemon: boolean;
  concurrentJobs: number;
  disableExec: boolean;
  stateDir: string;
  pidFile: string;
  logFile: string | undefined;
  useJson: boolean;
  debug: boolean;
  metricsPort: number | undefined;
  metricsHost: string;
  metricsTextfile: string | undefined;
  graceMs: number;
  agentPath: string;
  json: boolean;
  values: SchedulerValues;
}

export function schedulerSettings(v: SchedulerValues, env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const str = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? v[k] : undefined);
  const int = (k: string, dflt: number, min: number, max: number) => {
    const n = v[k] === undefined ? dflt : Number(v[k]);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new SchedulerError('USAGE', `--${k.replace(/_/g, '-')} is ${String(v[k])}; it is a whole number from ${min} to ${max}`);
    return n;
  };
  const stateDir = path.resolve(str('state_dir') ?? env.PERMAFROST_SCHEDULER_STATE_DIR ?? defaultStateDir(env));
  const logDir = str('log_dir');
  const logFile = str('log_file');
  const metricsPort = v.metrics_port === undefined ? undefined : int('metrics_port', 0, 0, 65535);
  return {
    clientId: str('client_id'),
    pollMs: int('interval', 60, 1, 86_400) * 1000,
    jobsDir: path.resolve(str('jobs_dir') ?? env.FREEZER_SCHEDULER_CONF_D ?? '/etc/freezer/scheduler/conf.d'),
    noApi: v.no_api === true,
    noDaemon: v.no_daemon === true,
    concurrentJobs: int('concurrent_jobs', 1, 1, 1000),
    disableExec: v.disable_exec === true,
    stateDir,
    pidFile: path.resolve(str('pid_file') ?? path.join(stateDir, 'scheduler.pid')),
    logFile: logFile ? path.resolve(logDir ?? '.', logFile) : undefined,
    useJson: v.use_json === true,
    debug: v.debug === true,
    metricsPort,
    metricsHost: str('metrics_host') ?? '127.0.0.1',
    metricsTextfile: str('metrics_textfile') ? path.resolve(str('metrics_textfile')!) : undefined,
    graceMs: int('grace_period', 30, 0, 86_400) * 1000,
    agentPath: path.resolve(str('agent') ?? defaultAgent()),
    json: v.json === true,
    values: v,
  };
}

function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) return '/var/lib/permafrost-scheduler';
  return path.join(env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'permafrost-scheduler');
}

/** bin/permafrost-agent beside the bin/permafrost-scheduler that runs. */
function defaultAgent(): string {
  const self = process.argv[1] ? fs.realpathSync(process.argv[1]) : '';
  return path.join(path.dirname(self), 'permafrost-agent');
}

/** Creates the state directory (0700: the store holds job documents, which may hold credentials). */
export function makeStateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SchedulerError('STATE', `cannot create the state directory ${dir}: ${(err as Error).message}`);
  }
}

/** The job a verb acts on: -j/--job-id, or the first argument after the verb. */
export function jobIdOf(s: SchedulerSettings, args: string[], verb: string): string {
  const id = (s.values.job_id as string | undefined) ?? args[0];
  if (!id) throw new SchedulerError('USAGE', `${verb} needs a job: -j/--job-id ID`);
  return id;
}
