// permafrost-scheduler's command line: freezer-scheduler 13's options (oslo.config: `--x` and
// `--nox` for flags, unique prefixes, keys of `--config-file`'s [DEFAULT] by their dest
// names), permafrost's own (state directory, metrics, grace period) and the verbs' arguments.
// The command line wins over --config-file, which wins over the default config files, which
// win over the OS_* environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { didYouMean } from '../base/suggest.js';
import { parseIni } from '../config/ini.js';
import { SchedulerError } from '../scheduler/daemon/errors.js';
import { parseArgs, type ArgOption, type ArgvRules } from './argv-parser.js';

type Kind = 'str' | 'int' | 'bool';

interface SchedulerOption extends ArgOption {
  dest: string;
  kind: Kind;
  help: string;
  metavar?: string;
  /** Accepted for freezer-scheduler's command lines, refused with this reason. */
  refused?: string;
  /** Repeatable (--config-file). */
  multi?: boolean;
}

const value = (long: string, dest: string, help: string, extra: Partial<SchedulerOption> = {}): SchedulerOption => ({
  long,
  dest,
  takes: 'value',
  kind: 'str',
  help,
  ...extra,
});
const flag = (long: string, dest: string, help: string, extra: Partial<SchedulerOption> = {}): SchedulerOption => ({
  long,
  dest,
  takes: 'flag',
  kind: 'bool',
  help,
  ...extra,
});

const OS = (name: string, help: string) => value(`os-${name}`, `os_${name.replace(/-/g, '_')}`, help);
const NOT_SYSLOG = 'log to --log-file or standard error (journald collects standard error under systemd)';

// prettier-ignore
export const SCHEDULER_OPTIONS: readonly SchedulerOption[] = [
  value('client-id', 'client_id', 'This node\'s client id (default: <project id>_<hostname> with the API, the hostname without).', { short: 'c' }),
  value('interval', 'interval', 'Seconds between reads of the jobs (API poll; the jobs directory is also watched). Default 60.', { short: 'i', kind: 'int' }),
  value('conf', 'jobs_dir', 'Jobs directory or file (default $FREEZER_SCHEDULER_CONF_D or /etc/freezer/scheduler/conf.d).', { short: 'f', metavar: 'DIR' }),
  flag('no-api', 'no_api', 'Standalone: jobs from the jobs directory and job-create, state in the local store.', { short: 'n' }),
  flag('no-daemon', 'no_daemon', 'Run in the foreground (under systemd, in containers, in tests).', { aliases: ['scheduler-no-daemon'] }),
  value('concurrent-jobs', 'concurrent_jobs', 'Jobs that may run at once (default 1).', { aliases: ['concurrent_jobs'], kind: 'int' }),
  flag('disable-exec', 'disable_exec', 'A job with an exec action fails without running.'),
  flag('insecure', 'insecure', 'Do not verify the API server\'s TLS certificate.'),
  flag('enable-v1-api', 'enable_v1_api', 'Use the Freezer API\'s v1 URLs.'),
  OS('auth-url', 'Keystone v3 URL (OS_AUTH_URL).'),
  OS('backup-url', 'Freezer API URL, instead of the Keystone catalog\'s (OS_BACKUP_URL).'),
  OS('username', 'Keystone user (OS_USERNAME).'),
  OS('password', 'Keystone password (OS_PASSWORD).'),
  OS('project-id', 'Keystone project id (OS_PROJECT_ID).'),
  OS('project-name', 'Keystone project name (OS_PROJECT_NAME).'),
  OS('project-domain-id', 'OS_PROJECT_DOMAIN_ID.'),
  OS('project-domain-name', 'OS_PROJECT_DOMAIN_NAME.'),
  OS('user-domain-id', 'OS_USER_DOMAIN_ID.'),
  OS('user-domain-name', 'OS_USER_DOMAIN_NAME.'),
  OS('region-name', 'OS_REGION_NAME.'),
  OS('token', 'A Keystone token instead of a password (OS_TOKEN).'),
  OS('endpoint-type', 'public, internal or admin (OS_ENDPOINT_TYPE; default public).'),
  OS('cert', 'Client certificate (OS_CERT).'),
  OS('cacert', 'CA bundle for the API and Keystone (OS_CACERT).'),
  flag('debug', 'debug', 'Log debug lines too.', { short: 'd' }),
  value('log-file', 'log_file', 'Log to this file (appended; reopened on SIGHUP) instead of standard error.', { metavar: 'PATH' }),
  value('log-dir', 'log_dir', 'Directory of --log-file when it is relative.', { metavar: 'DIR' }),
  flag('use-json', 'use_json', 'Log JSON lines.'),
  flag('use-syslog', 'use_syslog', 'Not supported.', { refused: NOT_SYSLOG }),
  flag('use-journal', 'use_journal', 'Not supported.', { refused: NOT_SYSLOG }),
  value('log-config-append', 'log_config_append', 'Not supported.', { refused: 'Python logging configuration files do not apply; use --log-file, --use-json, --debug' }),
  value('config-file', 'config_file', 'A config file ([DEFAULT] keys by dest name: client_id, jobs_dir, interval, …); repeatable.', { metavar: 'PATH', multi: true }),
  value('config-dir', 'config_dir', 'Read every *.conf file of this directory as --config-file.', { metavar: 'DIR' }),
  value('state-dir', 'state_dir', 'The state store and pid file (default /var/lib/permafrost-scheduler as root, else ~/.local/state/permafrost-scheduler).', { metavar: 'DIR' }),
  value('pid-file', 'pid_file', 'The daemon\'s pid file (default <state-dir>/scheduler.pid).', { metavar: 'PATH' }),
  value('metrics-port', 'metrics_port', 'Serve Prometheus metrics on 127.0.0.1:PORT/metrics (off by default).', { kind: 'int', metavar: 'PORT' }),
  value('metrics-host', 'metrics_host', 'Address of the metrics endpoint (default 127.0.0.1).', { metavar: 'ADDR' }),
  value('metrics-textfile', 'metrics_textfile', 'Also write the metrics to this file for node-exporter\'s textfile collector.', { metavar: 'PATH' }),
  value('grace-period', 'grace_period', 'On SIGTERM, seconds running jobs get to finish before they are stopped (default 30).', { kind: 'int' }),
  value('agent', 'agent', 'The permafrost-agent to run (default: the one beside this program).', { metavar: 'PATH' }),
  value('job-id', 'job_id', 'The job of job-get, job-delete, job-start, job-stop, job-abort, run-list, next.', { short: 'j', metavar: 'ID' }),
  value('file', 'file', 'The job document of job-create (JSON).', { metavar: 'PATH' }),
  value('count', 'count', 'How many times `next` prints (default 5).', { kind: 'int' }),
  value('limit', 'limit', 'Rows of run-list (default 20).', { kind: 'int' }),
  flag('json', 'json', 'Verbs print JSON instead of a table.'),
  { long: 'help', short: 'h', dest: 'help', takes: 'flag', kind: 'bool', help: 'Show this help and exit.', exact: true },
  { long: 'version', dest: 'version', takes: 'flag', kind: 'bool', help: 'Show the version and exit.', exact: true },
];

const RULES: ArgvRules = {
  positionals: true,
  abbreviations: true,
  noForms: true,
  clusters: false,
  flagValues: true,
  unknown: ({ long, short, arg }) =>
    long !== undefined
      ? `unknown option ${arg}${didYouMean(
          long,
          SCHEDULER_OPTIONS.map((o) => o.long),
          (w) => `--${w}`,
        )}`
      : `unknown option -${short} (in ${arg})`,
};

export type SchedulerValues = Record<string, string | number | boolean | string[] | undefined>;

export interface SchedulerArgv {
  verb: string | undefined;
  /** Arguments after the verb (a job id for `next`, a count). */
  args: string[];
  values: SchedulerValues;
}

/** Parses argv; config files are read by resolveValues. */
export function parseSchedulerArgv(argv: readonly string[]): SchedulerArgv {
  const values: SchedulerValues = {};
  const positional = parseArgs(argv, SCHEDULER_OPTIONS, RULES, ({ option, value: v, negated, shown }) => {
    if (option.refused && !negated)
      throw new SchedulerError('USAGE', `${shown} is not supported by permafrost-scheduler: ${option.refused}`);
    const t = typed(option, v, negated, shown);
    values[option.dest] = option.multi ? [...((values[option.dest] as string[] | undefined) ?? []), String(t)] : t;
  });
  return { verb: positional[0], args: positional.slice(1), values };
}

function typed(option: SchedulerOption, v: string | undefined, negated: boolean, where: string): string | number | boolean {
  if (option.kind === 'bool') {
    if (v === undefined) return !negated;
    const b = /^(true|yes|on|1)$/i.test(v) ? true : /^(false|no|off|0)$/i.test(v) ? false : undefined;
    if (b === undefined) throw new SchedulerError('USAGE', `${where}: "${v}" is not true or false`);
    return negated ? !b : b;
  }
  if (option.kind === 'int') {
    if (!/^\d+$/.test(v ?? '')) throw new SchedulerError('USAGE', `${where}: "${v}" is not a whole number`);
    return Number(v);
  }
  return v ?? '';
}

/** freezer-scheduler's default config files: the first scheduler.conf and freezer.conf found in ~/.freezer, ~, /etc/freezer, /etc. */
export function defaultConfigFiles(home = os.homedir()): string[] {
  const dirs = [path.join(home, '.freezer'), home, '/etc/freezer', '/etc'];
  const found: string[] = [];
  for (const name of ['freezer.conf', 'scheduler.conf']) {
    const hit = dirs.map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
    if (hit) found.push(hit);
  }
  return found;
}

/**
 * The values of config files' [DEFAULT] sections, by dest name. An explicit --config-file
 * with a key that is no option is an error; the default files are shared with freezer-agent,
 * so their other keys are left alone.
 */
export function configFileValues(files: readonly string[], strict: boolean): SchedulerValues {
  const out: SchedulerValues = {};
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new SchedulerError('CONFIG', `cannot read the config file ${file}: ${(err as Error).message}`);
    }
    const section = parseIni(text, file).sections.get('DEFAULT');
    for (const [key, raw] of section ?? []) {
      const option = SCHEDULER_OPTIONS.find((o) => o.dest === key && !o.exact && o.dest !== 'config_file');
      if (!option) {
        if (strict)
          throw new SchedulerError(
            'CONFIG',
            `${file} [DEFAULT]: "${key}" is not a scheduler setting${didYouMean(
              key,
              SCHEDULER_OPTIONS.map((o) => o.dest),
            )}`,
          );
        continue;
      }
      try {
        out[option.dest] = typed(option, raw, false, `${file} [DEFAULT] ${key}`);
      } catch (err) {
        throw new SchedulerError('CONFIG', (err as Error).message);
      }
    }
  }
  return out;
}

/** Everything a verb needs: the command line over --config-file over the default files. */
export function resolveValues(parsed: SchedulerArgv, home = os.homedir()): SchedulerValues {
  const explicit = (parsed.values.config_file as string[] | undefined) ?? [];
  const dir = parsed.values.config_dir as string | undefined;
  const fromDir = dir
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.conf'))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
  return { ...configFileValues(defaultConfigFiles(home), false), ...configFileValues([...explicit, ...fromDir], true), ...parsed.values };
}
