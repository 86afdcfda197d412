// permafrost-scheduler: freezer-scheduler's daemon verbs (start, stop, restart, status,
// reload) and the job verbs of Freezer's README (job-list, job-get, job-create, …) on the
// local store (--no-api) or a Freezer API server. Exit codes per error class (errors.ts).
import { VERSION } from '../base/version.js';
import { SchedulerError, SchedulerExit } from '../scheduler/daemon/errors.js';
import { PermafrostError } from '../base/errors.js';
import { writeErr, writeOut } from './out.js';
import { runMain } from './run.js';
import { JOB_VERBS, localJobVerb } from './scheduler-jobs.js';
import { SCHEDULER_OPTIONS, parseSchedulerArgv, resolveValues } from './scheduler-options.js';
import { reloadVerb, startVerb, statusVerb, stopVerb } from './scheduler-process.js';
import { schedulerSettings } from './scheduler-settings.js';

const DAEMON_VERBS = ['start', 'stop', 'restart', 'status', 'reload'];

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseSchedulerArgv(argv);
    if (parsed.values.help) {
      writeOut(helpText());
      return 0;
    }
    if (parsed.values.version) {
      writeOut(`${VERSION}\n`);
      return 0;
    }
    const verb = parsed.verb;
    if (!verb) throw new SchedulerError('USAGE', `a verb is needed: ${[...DAEMON_VERBS, ...JOB_VERBS].join(', ')} (--help tells more)`);
    const s = schedulerSettings(resolveValues(parsed));
    switch (verb) {
      case 'start':
        return await startVerb(s, argv);
      case 'stop':
        return await stopVerb(s);
      case 'restart':
        await stopVerb(s);
        return await startVerb(s, argv);
      case 'status':
        return statusVerb(s);
      case 'reload':
        return reloadVerb(s);
    }
    if (!(JOB_VERBS as readonly string[]).includes(verb))
      throw new SchedulerError('USAGE', `unknown verb "${verb}": one of ${[...DAEMON_VERBS, ...JOB_VERBS].join(', ')}`);
    // `next` and `run-list` read what this node recorded, in either mode.
    if (s.noApi || verb === 'next' || verb === 'run-list') return localJobVerb(verb, s, parsed.args);
    const { apiJobVerb } = await import('./scheduler-api.js');
    return await apiJobVerb(verb, s, parsed.args);
  } catch (err) {
    const known =
      err instanceof SchedulerError
        ? err
        : err instanceof PermafrostError
          ? new SchedulerError(err.exitCode === 2 ? 'USAGE' : 'CONFIG', err.message)
          : undefined;
    if (known) {
      writeErr(`permafrost-scheduler: error: ${known.message}\n`);
      return known.exitCode;
    }
    writeErr(`permafrost-scheduler: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return SchedulerExit.INTERNAL;
  }
}

export function helpText(): string {
  const lines = [
    'usage: permafrost-scheduler [options] VERB',
    '',
    'Runs permafrost-agent jobs on schedules, from a jobs directory and a local store (-n/--no-api)',
    'or from a Freezer API server, as freezer-scheduler does.',
    '',
    'daemon verbs:',
    '  start      start the daemon (in the foreground with --no-daemon)',
    '  stop       stop it: running jobs get --grace-period seconds, then are stopped',
    '  restart    stop, then start',
    '  status     say whether it runs (a stale pid file is told apart)',
    '  reload     read the jobs and reopen the log (SIGHUP)',
    '',
    'job verbs (the local store with -n, the API otherwise):',
    '  job-list                 jobs with status, result, last and next run, overdue',
    '  job-get -j ID            a job document',
    '  job-create --file F      add a job (JSON job document)',
    '  job-delete -j ID         remove a job',
    '  job-start|job-stop|job-abort -j ID',
    '  run-list -j ID           the runs of a job (start, duration, result, exit code, level, bytes)',
    '  next -j ID [-n N]        the next N start times of a job (default 5)',
    '',
    'options:',
    ...SCHEDULER_OPTIONS.filter((o) => !o.refused).map((o) => {
      const names = `${o.short ? `-${o.short}, ` : ''}--${o.long}${o.takes === 'value' ? ` ${o.metavar ?? o.dest.toUpperCase()}` : ''}`;
      return `  ${names.padEnd(34)} ${o.help}`;
    }),
    '',
    `exit codes: ${Object.entries(SchedulerExit)
      .map(([k, v]) => `${v} ${k.toLowerCase().replace(/_/g, ' ')}`)
      .join(', ')}`,
    '',
  ];
  return lines.join('\n');
}

/** The entry of bin/ (through the bundle built by scripts/bundle.mjs). */
export const run = (): void => runMain(main);
