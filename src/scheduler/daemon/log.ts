// The daemon's log: one line per job state change and per problem, as text for people or as
// JSON lines (--use-json) for a log shipper. To --log-file (appended; reopened on SIGHUP so
// logrotate can move it) or standard error.
import fs from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface SchedulerLog {
  /** A job's state changed, or something happened to it: `what` is a short verb (scheduled, run-start, run-end…). */
  job(jobId: string, what: string, fields?: Record<string, unknown>, level?: LogLevel): void;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  reopen(): void;
  close(): void;
}

export function createSchedulerLog(opts: { file?: string; json: boolean; debug: boolean }): SchedulerLog {
  let fd = open();
  function open(): number {
    return opts.file ? fs.openSync(opts.file, 'a', 0o640) : 2;
  }
  function write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    if (level === 'debug' && !opts.debug) return;
    const time = new Date().toISOString();
    const line = opts.json
      ? JSON.stringify({ time, level, message, ...fields })
      : `${time} ${level.toUpperCase()} ${message}${text(fields)}`;
    try {
      fs.writeSync(fd, `${line}\n`);
    } catch {
      // A log that cannot be written must not stop the jobs.
    }
  }
  return {
    job(jobId, what, fields = {}, level = 'info') {
      write(level, `job ${jobId}: ${what}`, { job_id: jobId, event: what, ...fields });
    },
    log(level, message, fields = {}) {
      write(level, message, fields);
    },
    reopen() {
      if (!opts.file) return;
      const old = fd;
      fd = open();
      fs.closeSync(old);
    },
    close() {
      if (opts.file) fs.closeSync(fd);
    },
  };
}

function text(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields)
    .filter(([k, v]) => k !== 'job_id' && k !== 'event' && v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return parts.length ? ` (${parts.join(' ')})` : '';
}
